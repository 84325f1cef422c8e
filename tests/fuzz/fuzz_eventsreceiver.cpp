// The HTTP Events receiver's decision (SlackEventsReceiver::evaluate): size limit, v0 signature and
// its 5-minute window, body parsing (JSON and form-encoded interactivity payloads).
//
// Input: byte 0 picks the mode. Even: the harness signs the rest (the body) with the right secret
// and a fresh timestamp, so the body parsing is reached. Odd: the rest is "<timestamp>\n<signature>
// \n<content-length>\n<content-type>\n<body>" taken as sent, so the header handling is exercised
// with hostile values; such a request must never be handed over unless its signature is right.

#include "fuzzsupport.h"

#include "slack/slackevent.h"
#include "slack/slackeventsreceiver.h"
#include "slack/slacksignature.h"

using namespace threadline;
using namespace threadline::slack;

namespace {
const QString Secret = QStringLiteral("8f742231b10e8888abcd99yyyzzz85a5");
constexpr qint64 Now = 1'531'420'618;
constexpr qint64 MaxBody = 64 * 1024;

QByteArray takeLine(QByteArray &rest)
{
    const qsizetype nl = rest.indexOf('\n');
    if (nl < 0) {
        QByteArray all = rest;
        rest.clear();
        return all;
    }
    QByteArray line = rest.left(nl);
    rest.remove(0, nl + 1);
    return line;
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const bool signByHarness = (data[0] & 1) == 0;
    QByteArray rest = fuzz::bytes(data + 1, size - 1);
    SlackEventsRequest request;
    if (signByHarness) {
        request.body = rest;
        request.timestamp = QByteArray::number(Now - (data[0] >> 1)); // within the window
        request.signature = SlackSignature::compute(Secret, request.timestamp, request.body);
        if (data[0] & 2)
            request.contentType = "application/x-www-form-urlencoded";
        else
            request.contentType = "application/json";
    } else {
        request.timestamp = takeLine(rest);
        request.signature = takeLine(rest);
        request.contentLength = takeLine(rest);
        request.contentType = takeLine(rest);
        request.body = rest;
    }

    const SlackEventsVerdict verdict = SlackEventsReceiver::evaluate(Secret, request, Now, MaxBody);
    const bool genuine =
        request.body.size() <= MaxBody &&
        SlackSignature::verify(Secret, request.timestamp, request.signature, request.body, Now).ok();
    if (verdict.handOver || verdict.rejectReason.isEmpty()) {
        // Accepted (handed over or answered as url_verification): only ever with a valid signature.
        FUZZ_CHECK(genuine, QStringLiteral("accepted a request whose signature is not valid"));
        FUZZ_CHECK(verdict.status == 200, QString::number(verdict.status));
    } else {
        FUZZ_CHECK(!verdict.handOver, verdict.rejectReason);
        FUZZ_CHECK(verdict.status == 400 || verdict.status == 401 || verdict.status == 413,
                   QString::number(verdict.status));
        FUZZ_CHECK(!verdict.text.contains(Secret.toUtf8()), QStringLiteral("the secret leaked into a reply"));
    }
    if (verdict.handOver) {
        FUZZ_CHECK(!verdict.delivery.payload.isEmpty(), QStringLiteral("handed over an empty payload"));
        FUZZ_CHECK(verdict.delivery.body == request.body, QStringLiteral("the body changed"));
        SlackIdentity self;
        self.userId = QStringLiteral("U0THREADLINE");
        self.botId = QStringLiteral("B0THREADLINE");
        self.teamId = QStringLiteral("T0THREADLINE");
        const auto parsed = SlackEvent::parse(verdict.delivery.payload, self);
        if (parsed.ok())
            (void)parsed.value().dedupeKey();
    }
    // A signature over the same body with another secret never verifies.
    if (!request.body.isEmpty() && signByHarness) {
        const QByteArray forged =
            SlackSignature::compute(QStringLiteral("not-the-secret"), request.timestamp, request.body);
        FUZZ_CHECK(!SlackSignature::verify(Secret, request.timestamp, forged, request.body, Now).ok(),
                   QStringLiteral("a forged signature verified"));
    }
    return 0;
}
