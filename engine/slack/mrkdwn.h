#pragma once

#include <QString>

#include <functional>

namespace threadline::slack::mrkdwn {

//! Escapes only Slack's three control characters: & → &amp;, < → &lt;, > → &gt;.
QString escape(const QString &text);

//! Reverses escape() in one pass (so "&amp;lt;" becomes "&lt;", not "<").
QString unescape(const QString &text);

/*!
 * Desk text → Slack text. Escapes & < > (so `<!channel>` typed by an agent arrives as literal text)
 * and neutralises literal @channel / @here / @everyone with an invisible WORD JOINER (U+2060) after
 * the '@', so nobody is pinged. Mentions only come from userMention(), never from desk text.
 */
QString encode(const QString &deskText);

//! The mention markup for a Slack user id (U…/W…); an id that is not one gives its escaped text.
QString userMention(const QString &userId);

//! Resolves a user or channel id to a display name; return empty when unknown.
using NameLookup = std::function<QString(const QString &id)>;

/*!
 * Slack text → desk text: `<@U1>` → "@name" (via \a userName, else the label, else the id),
 * `<#C1|name>` → "#name", `<https://x|label>` → "label (https://x)", `<https://x>` → "https://x",
 * `<!here>` → "@here" (also channel/everyone), `<!subteam^S1|@team>` → "@team", `<!date^…|fb>` → "fb",
 * then &amp; &lt; &gt; decoded. Inverse of encode(): decode(encode(s)) == s.
 */
QString decode(const QString &slackText, const NameLookup &userName = {}, const NameLookup &channelName = {});

//! Cuts \a text to at most \a maxChars UTF-16 units, ending in "…" when cut; never splits a
//! surrogate pair, and for \a encoded (Slack) text never an &amp;-style entity or <…> markup.
QString truncate(const QString &text, int maxChars, bool encoded = false);

} // namespace threadline::slack::mrkdwn
