#include "store/storetypes.h"

namespace threadline {

QString requestStatusName(RequestStatus status)
{
    switch (status) {
    case RequestStatus::New:
        return QStringLiteral("new");
    case RequestStatus::Open:
        return QStringLiteral("open");
    case RequestStatus::Waiting:
        return QStringLiteral("waiting");
    case RequestStatus::Resolved:
        return QStringLiteral("resolved");
    case RequestStatus::Closed:
        return QStringLiteral("closed");
    }
    return QStringLiteral("new");
}

std::optional<RequestStatus> requestStatusFromName(const QString &name)
{
    for (auto s : {RequestStatus::New, RequestStatus::Open, RequestStatus::Waiting, RequestStatus::Resolved,
                   RequestStatus::Closed}) {
        if (requestStatusName(s) == name)
            return s;
    }
    return std::nullopt;
}

QString followReasonName(FollowReason reason)
{
    switch (reason) {
    case FollowReason::Requester:
        return QStringLiteral("requester");
    case FollowReason::Assignee:
        return QStringLiteral("assignee");
    case FollowReason::Team:
        return QStringLiteral("team");
    case FollowReason::Manual:
        return QStringLiteral("manual");
    }
    return QStringLiteral("manual");
}

std::optional<FollowReason> followReasonFromName(const QString &name)
{
    for (auto r :
         {FollowReason::Requester, FollowReason::Assignee, FollowReason::Team, FollowReason::Manual}) {
        if (followReasonName(r) == name)
            return r;
    }
    return std::nullopt;
}

QString updateSourceName(UpdateSource source)
{
    switch (source) {
    case UpdateSource::Desk:
        return QStringLiteral("desk");
    case UpdateSource::Slack:
        return QStringLiteral("slack");
    }
    return QStringLiteral("desk");
}

std::optional<UpdateSource> updateSourceFromName(const QString &name)
{
    if (name == QLatin1String("desk"))
        return UpdateSource::Desk;
    if (name == QLatin1String("slack"))
        return UpdateSource::Slack;
    return std::nullopt;
}

QString storeChangeKindName(StoreChange::Kind kind)
{
    using K = StoreChange::Kind;
    switch (kind) {
    case K::RequestCreated:
        return QStringLiteral("request_created");
    case K::StatusChanged:
        return QStringLiteral("status_changed");
    case K::AssigneeChanged:
        return QStringLiteral("assignee_changed");
    case K::TitleChanged:
        return QStringLiteral("title_changed");
    case K::FollowerAdded:
        return QStringLiteral("follower_added");
    case K::FollowerRemoved:
        return QStringLiteral("follower_removed");
    case K::UpdatePosted:
        return QStringLiteral("update_posted");
    case K::UpdateEdited:
        return QStringLiteral("update_edited");
    case K::UpdateDeleted:
        return QStringLiteral("update_deleted");
    case K::AttachmentAdded:
        return QStringLiteral("attachment_added");
    case K::PersonUpserted:
        return QStringLiteral("person_upserted");
    case K::TeamUpserted:
        return QStringLiteral("team_upserted");
    case K::TeamMembershipChanged:
        return QStringLiteral("team_membership_changed");
    }
    return QStringLiteral("unknown");
}

} // namespace threadline
