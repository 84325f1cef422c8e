#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace threadline {
class Store;
}

namespace threadline::sync {

/*!
 * Names of Slack users who are not desk people (table `slack_users`, docs/sync.md "Unknown people").
 *
 * The inbound side decodes a `<@U…>` mention of someone not in `people` as the placeholder
 * `@U…` and calls requestLookup() in the row's transaction: a `users_info` job (maintenance lane,
 * one per Slack user, Tier 4 through the rate limiter) asks Slack, and recordName() — in the job's
 * result transaction — stores the name and edits the desk updates that still show the
 * placeholder, so every copy in Slack is refreshed by the usual edit path. Nothing on the inbound
 * path waits for Slack.
 */
namespace SlackUsers {

//! A Slack user id we are willing to look up: U or W, then 2–20 upper-case letters or digits.
bool isValidUserId(const QString &id);
//! The name for display: control characters dropped, whitespace collapsed, at most 80 characters;
//! empty when nothing printable is left.
QString cleanName(const QString &name);
//! The cached name of \a slackId (`resolved` and `deactivated` rows).
Result<std::optional<QString>> cachedName(Store *store, const QString &slackId);
//! Queues a users.info lookup of \a slackId unless one is queued or done already (no-op for an
//! id that is not valid). Inside the caller's transaction.
Result<void> requestLookup(Store *store, const QString &slackId);
//! The lookup answered: store \a name (`resolved`) and replace the placeholder `@<slackId>` in the
//! live Slack-sourced updates written since \a since by an edit as their author. Returns how many
//! updates were edited.
Result<int> recordName(Store *store, const QString &slackId, const QString &name, qint64 since);
//! A user_change told us the member's current profile: stores \a name (when not empty) as
//! `resolved`, or as `deactivated` when Slack says the member was deleted (a deactivated member is
//! never looked up again). Inside the caller's transaction.
Result<void> recordProfile(Store *store, const QString &slackId, const QString &name, bool deactivated);
//! The name Threadline shows for a Slack member: display name, else real name, else handle,
//! cleaned by cleanName(); empty when none has anything printable.
QString displayName(const QString &displayName, const QString &realName, const QString &handle);
//! The lookup gave up: `not_found` (Slack does not know the id) or `failed`, with the reason.
Result<void> recordFailure(Store *store, const QString &slackId, const QString &state, const QString &error);

} // namespace SlackUsers

} // namespace threadline::sync
