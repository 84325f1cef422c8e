// Socket Mode frames as they arrive on the WebSocket: frame parsing, then for events_api envelopes
// the event parsing, the dedupe key and the mrkdwn decoding the inbound path applies.

#include "fuzzsupport.h"

#include "slack/mrkdwn.h"
#include "slack/slackevent.h"
#include "slack/socketmodeclient.h"

using namespace threadline;
using namespace threadline::slack;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);
    SlackIdentity self;
    self.userId = QStringLiteral("U0THREADLINE");
    self.botId = QStringLiteral("B0THREADLINE");
    self.appId = QStringLiteral("A0THREADLINE");
    self.teamId = QStringLiteral("T0THREADLINE");

    const SocketModeFrame frame = SocketModeClient::parseFrame(input);
    if (frame.kind == SocketModeFrame::Kind::Envelope)
        FUZZ_CHECK(!frame.envelope.envelopeId.isEmpty(), QString::fromUtf8(input));
    if (frame.kind == SocketModeFrame::Kind::Invalid)
        FUZZ_CHECK(frame.envelope.envelopeId.isEmpty(), QString::fromUtf8(input));

    // The envelope payload goes through the event parser; so does the frame itself, as the HTTP
    // Events API would deliver the same JSON.
    for (const Result<SlackEvent> &parsed :
         {SlackEvent::parse(frame.envelope.payload, self), SlackEvent::parse(input, self)}) {
        if (!parsed.ok()) {
            FUZZ_CHECK(parsed.error().code == ErrorCode::Invalid, parsed.error().toString());
            continue;
        }
        const SlackEvent &event = parsed.value();
        FUZZ_CHECK(!SlackEvent::kindName(event.kind).isEmpty(), QString::fromUtf8(input));
        const QString key = event.dedupeKey();
        if (event.kind != SlackEvent::Kind::Ignored && event.kind != SlackEvent::Kind::OwnEcho) {
            FUZZ_CHECK(!event.channel.isEmpty() && !event.ts.isEmpty(),
                       SlackEvent::kindName(event.kind) + QStringLiteral(" without channel or ts"));
            FUZZ_CHECK(!key.isEmpty(), QStringLiteral("an actionable event without a dedupe key"));
        }
        const auto lookup = [](const QString &id) { return id.size() > 3 ? id.left(3) : QString(); };
        (void)mrkdwn::decode(event.text, lookup, lookup);
        (void)mrkdwn::decode(event.previousText);
    }
    return 0;
}
