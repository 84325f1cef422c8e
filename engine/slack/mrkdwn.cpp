#include "slack/mrkdwn.h"

#include <QRegularExpression>

namespace threadline::slack::mrkdwn {

namespace {

const QChar WordJoiner(0x2060);

bool isSlackUserId(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[UW][A-Z0-9]{2,30}$"));
    return re.match(id).hasMatch();
}

// One more WORD JOINER after the '@' of every @channel / @here / @everyone, including one already
// written with joiners, so unneutralise() (one fewer) gives back exactly the desk text.
QString neutralise(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("@(\\x{2060}*)(channel|here|everyone)\\b"),
                                       QRegularExpression::CaseInsensitiveOption);
    QString result = text;
    result.replace(re, QStringLiteral("@") + WordJoiner + QStringLiteral("\\1\\2"));
    return result;
}

QString unneutralise(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("@\\x{2060}(\\x{2060}*)(channel|here|everyone)\\b"),
                                       QRegularExpression::CaseInsensitiveOption);
    QString result = text;
    result.replace(re, QStringLiteral("@\\1\\2"));
    return result;
}

QString decodeMarkup(const QString &inner, const NameLookup &userName, const NameLookup &channelName)
{
    const qsizetype bar = inner.indexOf(QLatin1Char('|'));
    const QString target = bar < 0 ? inner : inner.left(bar);
    const QString label = bar < 0 ? QString() : unescape(inner.mid(bar + 1));
    if (target.startsWith(QLatin1Char('@'))) {
        const QString id = target.mid(1);
        QString name = userName ? userName(id) : QString();
        if (name.isEmpty())
            name = label.isEmpty() ? id : label;
        return QLatin1Char('@') + name;
    }
    if (target.startsWith(QLatin1Char('#'))) {
        const QString id = target.mid(1);
        QString name = label;
        if (name.isEmpty() && channelName)
            name = channelName(id);
        return QLatin1Char('#') + (name.isEmpty() ? id : name);
    }
    if (target.startsWith(QLatin1Char('!'))) {
        const QString special = target.mid(1);
        if (special == QLatin1String("here") || special == QLatin1String("channel") ||
            special == QLatin1String("everyone"))
            return QLatin1Char('@') + special;
        if (!label.isEmpty())
            return label;
        if (special.startsWith(QLatin1String("subteam^")))
            return QStringLiteral("@group");
        return {};
    }
    const QString url = unescape(target);
    const QString shown = url.startsWith(QLatin1String("mailto:")) ? url.mid(7) : url;
    if (label.isEmpty() || label == url || label == shown)
        return shown;
    return label + QStringLiteral(" (") + shown + QLatin1Char(')');
}

} // namespace

QString escape(const QString &text)
{
    QString result;
    result.reserve(text.size() + text.size() / 8);
    for (const QChar c : text) {
        if (c == QLatin1Char('&'))
            result += QLatin1String("&amp;");
        else if (c == QLatin1Char('<'))
            result += QLatin1String("&lt;");
        else if (c == QLatin1Char('>'))
            result += QLatin1String("&gt;");
        else
            result += c;
    }
    return result;
}

QString unescape(const QString &text)
{
    QString result;
    result.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&')) {
            const QStringView rest = QStringView(text).mid(i);
            if (rest.startsWith(QLatin1String("&amp;"))) {
                result += QLatin1Char('&');
                i += 4;
                continue;
            }
            if (rest.startsWith(QLatin1String("&lt;"))) {
                result += QLatin1Char('<');
                i += 3;
                continue;
            }
            if (rest.startsWith(QLatin1String("&gt;"))) {
                result += QLatin1Char('>');
                i += 3;
                continue;
            }
        }
        result += text.at(i);
    }
    return result;
}

QString encode(const QString &deskText)
{
    return neutralise(escape(deskText));
}

QString userMention(const QString &userId)
{
    if (isSlackUserId(userId))
        return QStringLiteral("<@") + userId + QLatin1Char('>');
    return encode(userId);
}

QString decode(const QString &slackText, const NameLookup &userName, const NameLookup &channelName)
{
    QString result;
    result.reserve(slackText.size());
    qsizetype i = 0;
    while (i < slackText.size()) {
        const qsizetype open = slackText.indexOf(QLatin1Char('<'), i);
        if (open < 0) {
            result += unescape(unneutralise(slackText.mid(i)));
            break;
        }
        result += unescape(unneutralise(slackText.mid(i, open - i)));
        const qsizetype close = slackText.indexOf(QLatin1Char('>'), open + 1);
        const qsizetype nextOpen = slackText.indexOf(QLatin1Char('<'), open + 1);
        if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
            result += QLatin1Char('<'); // a stray '<' (Slack never sends one unescaped): keep it literal
            i = open + 1;
            continue;
        }
        result += decodeMarkup(slackText.mid(open + 1, close - open - 1), userName, channelName);
        i = close + 1;
    }
    return result;
}

QString truncate(const QString &text, int maxChars, bool encoded)
{
    if (maxChars <= 0)
        return {};
    if (text.size() <= maxChars)
        return text;
    qsizetype cut = maxChars - 1; // room for the ellipsis
    if (cut > 0 && text.at(cut - 1).isHighSurrogate())
        --cut;
    // Do not end inside an entity (&amp; is the longest: 5 units) or a <…> markup.
    if (!encoded)
        return text.left(cut) + QChar(0x2026);
    // (cut may be 0 here: lastIndexOf(…, -1) would search the whole text, so guard it.)
    const qsizetype amp = cut > 0 ? text.lastIndexOf(QLatin1Char('&'), cut - 1) : -1;
    if (amp >= 0 && cut - amp < 5 && text.indexOf(QLatin1Char(';'), amp) >= cut)
        cut = amp;
    const qsizetype lt = cut > 0 ? text.lastIndexOf(QLatin1Char('<'), cut - 1) : -1;
    if (lt >= 0 && text.lastIndexOf(QLatin1Char('>'), cut - 1) < lt)
        cut = lt;
    if (cut > 0 && text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut) + QChar(0x2026);
}

} // namespace threadline::slack::mrkdwn
