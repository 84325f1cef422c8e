#pragma once

#include "core/result.h"
#include "slack/summaryrenderer.h"

namespace threadline {
class Store;
}

namespace threadline::sync {

//! What the engine writes into a follower's thread, rendered from the store at run time (so a
//! job that waited renders the latest state).
class ThreadRenderer
{
public:
    //! The summary (top message) of a conversation: request fields and why this person is notified.
    static Result<slack::RenderedMessage> summary(Store &store, qint64 conversationId);
    //! The "why" line for a follow reason name (requester, assignee, team, manual; empty: not following).
    static QString reasonText(const QString &reason, const QString &team);
    //! A thread reply: "*Author*" then the Slack-encoded text; over-long text ends with a visible marker.
    static Result<QString> updateText(Store &store, qint64 updateId);
    //! The same from values already read (the scheduler reads them with the job's claim).
    static QString updateText(const QString &authorName, const QString &text);
    static QString closingNote();
    static QString catchUpNote(int earlier);

    //! Room left for the update text in one Slack message (40,000 characters minus the header).
    static constexpr int MaxMessageText = 40000;
};

} // namespace threadline::sync
