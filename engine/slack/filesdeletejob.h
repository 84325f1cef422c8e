#pragma once

#include "slack/slackapijob.h"

namespace threadline::slack {

//! files.delete (Tier 3, files:write). A bot token deletes only files the app uploaded
//! (else cant_delete_file); file_not_found and file_deleted when it is gone already.
class FilesDeleteJob : public SlackApiJob
{
    Q_OBJECT
public:
    FilesDeleteJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &fileId,
                   QObject *parent = nullptr);

private:
    Result<void> parseResponse(const QJsonObject &response) override;
};

} // namespace threadline::slack
