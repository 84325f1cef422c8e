#pragma once

#include "slack/conversationpagejob.h"

namespace threadline::slack {

//! conversations.replies (Tier 3; 1/min for some non-Marketplace apps): one page of a thread,
//! parent first. Used for reconciliation, never for polling.
class ConversationsRepliesJob : public ConversationPageJob
{
    Q_OBJECT
public:
    struct Args
    {
        QString channel;
        QString ts; //!< the thread parent
        QString cursor;
        QString oldest;
        int limit = 100;
        bool includeAllMetadata = true;
    };
    ConversationsRepliesJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const Args &args,
                            QObject *parent = nullptr);
};

} // namespace threadline::slack
