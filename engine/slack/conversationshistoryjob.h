#pragma once

#include "slack/conversationpagejob.h"

namespace threadline::slack {

//! conversations.history (Tier 3): one page of a conversation's top-level messages, newest first.
class ConversationsHistoryJob : public ConversationPageJob
{
    Q_OBJECT
public:
    struct Args
    {
        QString channel;
        QString cursor;
        QString oldest;
        QString latest;
        int limit = 100;
        bool inclusive = false;
        bool includeAllMetadata = true;
    };
    ConversationsHistoryJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const Args &args,
                            QObject *parent = nullptr);
};

} // namespace threadline::slack
