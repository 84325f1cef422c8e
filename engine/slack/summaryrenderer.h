#pragma once

#include <QJsonArray>
#include <QString>
#include <QUrl>

namespace threadline::slack {

//! A person shown in a summary: a mention when the Slack id is known, else the escaped name.
struct SummaryPerson
{
    QString slackUserId;
    QString name;
};

//! What a request summary (the thread's top message) shows. Plain desk text: the renderer escapes.
struct RequestSummary
{
    QString requestId;
    QString title;
    QString status;
    SummaryPerson assignee;
    SummaryPerson requester;
    QString team;
    QString followerReason; //!< why this person is notified, e.g. "You are the requester"
    QUrl deskLink;
    int revision = 0; //!< changes the actions block_id on every refresh, as Slack advises
};

//! Blocks plus the plain-text fallback (`text`, used for notifications and screen readers).
struct RenderedMessage
{
    QJsonArray blocks;
    QString text;
};

//! Renders Block Kit within Slack's limits, escaping all desk text.
class SummaryRenderer
{
public:
    static constexpr int MaxBlocks = 50;
    static constexpr int MaxSectionText = 3000;
    static constexpr int MaxFieldText = 2000;
    static constexpr int MaxHeaderText = 150;
    static constexpr int MaxFallbackText = 4000;
    static constexpr int MaxBlockId = 255;
    static constexpr int MaxButtonUrl = 3000;

    static RenderedMessage render(const RequestSummary &summary);
    //! The fallback text alone (also what chat.update sends with the blocks).
    static QString fallbackText(const RequestSummary &summary);
};

} // namespace threadline::slack
