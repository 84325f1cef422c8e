#pragma once

#include <QString>

namespace threadline::files {

//! One attachment in one follower's thread (docs/files.md): its copy there (a row of
//! file_shares), or why there is none.
struct ThreadFileState
{
    qint64 attachmentId = 0;
    qint64 updateId = 0;
    QString name;
    //! shared (the copy is in the thread), pending (downloading, or the copy is on its way), failed
    //! (the download or the copy failed: lastError), refused (the file was refused: lastError),
    //! deleted (the copy was deleted with its update), skipped (never copied: the update was deleted
    //! or the thread closed first), original (the follower's own file, in their own thread)
    QString state;
    QString ts;          //!< the Slack ts of the copy's message, once shared
    QString slackFileId; //!< the Slack file id of the copy, once uploaded
    QString lastError;
};

} // namespace threadline::files
