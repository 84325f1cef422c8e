#pragma once

#include "slack/slackapijob.h"
#include "slack/slacktypes.h"

namespace threadline::slack {

//! files.info (Tier 4): the full file object, e.g. for check_file_info stubs.
class FilesInfoJob : public SlackApiJob
{
    Q_OBJECT
public:
    FilesInfoJob(QNetworkAccessManager *nam, const SlackEndpoint &endpoint, const QString &fileId,
                 QObject *parent = nullptr);
    const SlackFile &file() const { return m_file; }

private:
    Result<void> parseResponse(const QJsonObject &response) override;
    SlackFile m_file;
};

} // namespace threadline::slack
