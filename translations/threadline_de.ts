<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>threadline::gui::Attachments</name>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>%1 · on its way from Slack</source>
        <translation>%1 · wird aus Slack geholt</translation>
    </message>
    <message>
        <source>%1 · refused: %2</source>
        <translation>%1 · abgelehnt: %2</translation>
    </message>
    <message>
        <source>%1 · failed: %2</source>
        <translation>%1 · fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>This desk has no files store.</source>
        <translation>Dieser Desk hat keinen Dateispeicher.</translation>
    </message>
    <message>
        <source>%1 cannot be read.</source>
        <translation>%1 kann nicht gelesen werden.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1 is too large to send: at most %2 at a time.</source>
        <translation>%1 ist zu groß zum Senden: höchstens %2 auf einmal.</translation>
    </message>
    <message>
        <source>The file is not in this desk&apos;s files store.</source>
        <translation>Die Datei ist nicht im Dateispeicher dieses Desks.</translation>
    </message>
    <message>
        <source>%1 cannot be written.</source>
        <translation>%1 kann nicht geschrieben werden.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::Console</name>
    <message>
        <source>Threadline</source>
        <translation>Threadline</translation>
    </message>
    <message>
        <source>Nothing is connected yet: choose a workspace in Settings, or restart with --sandbox.</source>
        <translation>Noch ist nichts verbunden: Wählen Sie einen Arbeitsbereich in den Einstellungen oder starten Sie mit --sandbox neu.</translation>
    </message>
    <message>
        <source>New laptop for Chloé</source>
        <translation>Neuer Laptop für Chloé</translation>
    </message>
    <message>
        <source>Can you try the new VPN profile? It reconnects on its own.</source>
        <translation>Können Sie das neue VPN-Profil ausprobieren? Es verbindet sich von selbst neu.</translation>
    </message>
    <message>
        <source>The server refused the agent token: check it, or ask your administrator for a new one.</source>
        <translation>Der Server hat das Agenten-Token abgelehnt: Prüfen Sie es oder bitten Sie Ihre Administration um ein neues.</translation>
    </message>
    <message>
        <source>Could not open the server&apos;s desk: %1</source>
        <translation>Der Desk des Servers konnte nicht geöffnet werden: %1</translation>
    </message>
</context>
<context>
    <name>threadline::gui::EngineHost</name>
    <message>
        <source>Slack sync is not running</source>
        <translation>Die Slack-Synchronisierung läuft nicht</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>Slack refused the token: reconnect in Settings</source>
        <translation>Slack hat das Token abgelehnt: in den Einstellungen neu verbinden</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>hält an</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>disconnected</source>
        <translation>getrennt</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>verbindet</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>verbunden</translation>
    </message>
    <message>
        <source>token refused</source>
        <translation>Token abgelehnt</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
</context>
<context>
    <name>threadline::gui::Keyring</name>
    <message>
        <source>The system keychain is not available (%1).</source>
        <translation>Der Schlüsselbund des Systems ist nicht verfügbar (%1).</translation>
    </message>
    <message>
        <source>The system keychain is turned off (THREADLINE_NO_KEYCHAIN=1).</source>
        <translation>Der Schlüsselbund des Systems ist ausgeschaltet (THREADLINE_NO_KEYCHAIN=1).</translation>
    </message>
    <message>
        <source>This build of Threadline has no system keychain support (QtKeychain).</source>
        <translation>Dieser Build von Threadline unterstützt den Schlüsselbund des Systems nicht (QtKeychain).</translation>
    </message>
    <message>
        <source>The system keychain refused the tokens (%1).</source>
        <translation>Der Schlüsselbund des Systems hat die Tokens abgelehnt (%1).</translation>
    </message>
</context>
<context>
    <name>threadline::gui::MainWindow</name>
    <message>
        <source>Threadline</source>
        <translation>Threadline</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>About Threadline</source>
        <translation>Über Threadline</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Threadline %1&lt;/h3&gt;&lt;p&gt;The request desk that lives inside Slack.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Threadline %1&lt;/h3&gt;&lt;p&gt;Der Anfragen-Desk, der in Slack zu Hause ist.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Assigned to &amp;me</source>
        <translation>Mir &amp;zugewiesen</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Sandbox workspace — nothing reaches real Slack</source>
        <translation>Sandbox-Arbeitsbereich — nichts erreicht das echte Slack</translation>
    </message>
    <message>
        <source>Search… (Ctrl+K)</source>
        <translation>Suchen… (Strg+K)</translation>
    </message>
    <message>
        <source>Search requests</source>
        <translation>Anfragen durchsuchen</translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation>Statusfilter</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>Alle Status</translation>
    </message>
    <message>
        <source>Active (new, open, waiting)</source>
        <translation>Aktiv (neu, offen, wartend)</translation>
    </message>
    <message>
        <source>Team filter</source>
        <translation>Teamfilter</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n Anfrage</numerusform>
            <numerusform>%n Anfragen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n+ requests</source>
        <translation>
            <numerusform>%n+ Anfragen</numerusform>
            <numerusform>%n+ Anfragen</numerusform>
        </translation>
    </message>
    <message>
        <source>The requests could not be loaded: %1</source>
        <translation>Die Anfragen konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>&amp;New request…</source>
        <translation>&amp;Neue Anfrage…</translation>
    </message>
    <message>
        <source>New request (Ctrl+N)</source>
        <translation>Neue Anfrage (Strg+N)</translation>
    </message>
    <message>
        <source>&amp;Search…</source>
        <translation>&amp;Suchen…</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Next request</source>
        <translation>&amp;Nächste Anfrage</translation>
    </message>
    <message>
        <source>&amp;Previous request</source>
        <translation>&amp;Vorherige Anfrage</translation>
    </message>
    <message>
        <source>Re&amp;load</source>
        <translation>Neu &amp;laden</translation>
    </message>
    <message>
        <source>&amp;Assigned to me</source>
        <translation>&amp;Mir zugewiesen</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Request</source>
        <translation>&amp;Anfrage</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>A&amp;nsicht</translation>
    </message>
    <message>
        <source>All teams</source>
        <translation>Alle Teams</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>Kein Team</translation>
    </message>
    <message>
        <source>The request was not created: %1</source>
        <translation>Die Anfrage wurde nicht angelegt: %1</translation>
    </message>
    <message>
        <source>Request #%1 created</source>
        <translation>Anfrage #%1 angelegt</translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>Einstellungen gespeichert</translation>
    </message>
    <message>
        <source>Sandbox workspace at %1</source>
        <translation>Sandbox-Arbeitsbereich unter %1</translation>
    </message>
    <message>
        <source>New Slack reply on #%1</source>
        <translation>Neue Slack-Antwort zu #%1</translation>
    </message>
    <message>
        <source>%1 replied on “%2”</source>
        <translation>%1 hat auf „%2“ geantwortet</translation>
    </message>
    <message numerus="yes">
        <source>Threadline: %n request(s) waiting on you</source>
        <translation>
            <numerusform>Threadline: %n Anfrage wartet auf Sie</numerusform>
            <numerusform>Threadline: %n Anfragen warten auf Sie</numerusform>
        </translation>
    </message>
    <message>
        <source>Slack: %1</source>
        <translation>Slack: %1</translation>
    </message>
    <message>
        <source>Slack sync: %1</source>
        <translation>Slack-Synchronisierung: %1</translation>
    </message>
    <message>
        <source> (Socket Mode)</source>
        <translation> (Socket Mode)</translation>
    </message>
    <message>
        <source>fast %1</source>
        <translation>schnell %1</translation>
    </message>
    <message>
        <source>maintenance %1</source>
        <translation>Wartung %1</translation>
    </message>
    <message>
        <source>failed %1</source>
        <translation>fehlgeschlagen %1</translation>
    </message>
    <message>
        <source>Click a column to sort by it; click again to reverse</source>
        <translation>Spalte anklicken, um danach zu sortieren; erneut klicken kehrt die Reihenfolge um</translation>
    </message>
    <message>
        <source>Slack: not connected</source>
        <translation>Slack: nicht verbunden</translation>
    </message>
    <message>
        <source>Requests and updates stay on the desk until Slack is connected: add the tokens in Settings (Ctrl+,).</source>
        <translation>Anfragen und Beiträge bleiben auf dem Desk, bis Slack verbunden ist: Tragen Sie die Tokens in den Einstellungen ein (Strg+,).</translation>
    </message>
    <message>
        <source>Qt %1 · data folder %2</source>
        <translation>Qt %1 · Datenordner %2</translation>
    </message>
    <message>
        <source>Server: %1</source>
        <translation>Server: %1</translation>
    </message>
    <message>
        <source>Settings saved. Restart Threadline to use the new language, mode or server.</source>
        <translation>Einstellungen gespeichert. Starten Sie Threadline neu, um die neue Sprache, den neuen Modus oder Server zu verwenden.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::MessageBar</name>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>threadline::gui::NewRequestDialog</name>
    <message>
        <source>New request</source>
        <translation>Neue Anfrage</translation>
    </message>
    <message>
        <source>What is the request about?</source>
        <translation>Worum geht es?</translation>
    </message>
    <message>
        <source>Details (optional)</source>
        <translation>Details (optional)</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>Kein Team</translation>
    </message>
    <message>
        <source>Type a name, then Enter</source>
        <translation>Namen eingeben, dann Eingabetaste</translation>
    </message>
    <message>
        <source>Who asks? Type a name</source>
        <translation>Wer fragt an? Namen eingeben</translation>
    </message>
    <message>
        <source>Followers</source>
        <translation>Follower</translation>
    </message>
    <message>
        <source>&amp;Create request</source>
        <translation>Anfrage &amp;erstellen</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>E&amp;ntfernen</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Titel:</translation>
    </message>
    <message>
        <source>&amp;Details:</source>
        <translation>&amp;Details:</translation>
    </message>
    <message>
        <source>Re&amp;quester:</source>
        <translation>&amp;Anfragende Person:</translation>
    </message>
    <message>
        <source>Assi&amp;gnee:</source>
        <translation>&amp;Zuständig:</translation>
    </message>
    <message>
        <source>T&amp;eam:</source>
        <translation>Tea&amp;m:</translation>
    </message>
    <message>
        <source>&amp;Followers:</source>
        <translation>&amp;Follower:</translation>
    </message>
    <message>
        <source>Everyone listed (requester, assignee, team members and followers) gets their own Slack thread about this request, saying why they are notified.</source>
        <translation>Alle Genannten (anfragende Person, Zuständige, Teammitglieder und Follower) erhalten einen eigenen Slack-Thread zu dieser Anfrage, der sagt, warum sie benachrichtigt werden.</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Nicht zugewiesen</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Pick a follower from the list of people.</source>
        <translation>Wählen Sie einen Follower aus der Personenliste.</translation>
    </message>
    <message>
        <source>The request needs a title.</source>
        <translation>Die Anfrage braucht einen Titel.</translation>
    </message>
    <message>
        <source>Pick the requester from the list of people.</source>
        <translation>Wählen Sie die anfragende Person aus der Personenliste.</translation>
    </message>
    <message>
        <source>Pick the assignee from the list of people, or Unassigned.</source>
        <translation>Wählen Sie die zuständige Person aus der Personenliste oder „Nicht zugewiesen“.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::RemoteDesk</name>
    <message>
        <source>The server refused the agent token: %1</source>
        <translation>Der Server hat das Agenten-Token abgelehnt: %1</translation>
    </message>
    <message>
        <source>The server keeps no bytes for %1.</source>
        <translation>Der Server hat keine Bytes von %1.</translation>
    </message>
    <message>
        <source>The server sent other bytes than the file&apos;s.</source>
        <translation>Der Server hat andere Bytes als die der Datei gesendet.</translation>
    </message>
    <message>
        <source>%1 cannot be written.</source>
        <translation>%1 kann nicht geschrieben werden.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::RequestListModel</name>
    <message>
        <source>New</source>
        <translation>Neu</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Gelöst</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Geschlossen</translation>
    </message>
    <message numerus="yes">
        <source>%n new Slack reply(s) since you last opened this request</source>
        <translation>
            <numerusform>%n neue Slack-Antwort, seit Sie diese Anfrage zuletzt geöffnet haben</numerusform>
            <numerusform>%n neue Slack-Antworten, seit Sie diese Anfrage zuletzt geöffnet haben</numerusform>
        </translation>
    </message>
    <message>
        <source>New Slack replies since you last opened the request</source>
        <translation>Neue Slack-Antworten, seit Sie die Anfrage zuletzt geöffnet haben</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>Zuständig</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Geändert</translation>
    </message>
</context>
<context>
    <name>threadline::gui::RequestView</name>
    <message>
        <source>requester</source>
        <translation>anfragend</translation>
    </message>
    <message>
        <source>assignee</source>
        <translation>zuständig</translation>
    </message>
    <message>
        <source>team</source>
        <translation>Team</translation>
    </message>
    <message>
        <source>follower</source>
        <translation>Follower</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>jemand</translation>
    </message>
    <message>
        <source>%1 created the request</source>
        <translation>%1 hat die Anfrage angelegt</translation>
    </message>
    <message>
        <source>%1 changed the status</source>
        <translation>%1 hat den Status geändert</translation>
    </message>
    <message>
        <source>%1 changed the assignee</source>
        <translation>%1 hat die Zuständigkeit geändert</translation>
    </message>
    <message>
        <source>%1 changed the title</source>
        <translation>%1 hat den Titel geändert</translation>
    </message>
    <message>
        <source>%1 now follows</source>
        <translation>%1 folgt jetzt</translation>
    </message>
    <message>
        <source>%1 no longer follows</source>
        <translation>%1 folgt nicht mehr</translation>
    </message>
    <message>
        <source>%1 replied in Slack</source>
        <translation>%1 hat in Slack geantwortet</translation>
    </message>
    <message>
        <source>%1 posted an update</source>
        <translation>%1 hat einen Beitrag geschrieben</translation>
    </message>
    <message>
        <source>%1 edited an update</source>
        <translation>%1 hat einen Beitrag bearbeitet</translation>
    </message>
    <message>
        <source>%1 deleted an update</source>
        <translation>%1 hat einen Beitrag gelöscht</translation>
    </message>
    <message>
        <source>A file was attached</source>
        <translation>Eine Datei wurde angehängt</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>&amp;Senden</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>Zuständig</translation>
    </message>
    <message>
        <source>Request details</source>
        <translation>Details der Anfrage</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Reply to everyone following… (Ctrl+Enter)</source>
        <translation>Allen Followern antworten… (Strg+Eingabe)</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Antwort</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>Wird gesendet</translation>
    </message>
    <message>
        <source>Recent changes</source>
        <translation>Letzte Änderungen</translation>
    </message>
    <message>
        <source>&amp;Timeline</source>
        <translation>&amp;Verlauf</translation>
    </message>
    <message>
        <source>&amp;Activity</source>
        <translation>A&amp;ktivität</translation>
    </message>
    <message>
        <source>&amp;Send reply</source>
        <translation>Antwort &amp;senden</translation>
    </message>
    <message>
        <source>&amp;Edit update everywhere…</source>
        <translation>Beitrag überall &amp;bearbeiten…</translation>
    </message>
    <message>
        <source>&amp;Delete update everywhere…</source>
        <translation>Beitrag überall &amp;löschen…</translation>
    </message>
    <message>
        <source>&amp;Copy link to update</source>
        <translation>Link zum Beitrag &amp;kopieren</translation>
    </message>
    <message>
        <source>Add &amp;follower…</source>
        <translation>&amp;Follower hinzufügen…</translation>
    </message>
    <message>
        <source>&amp;Remove follower…</source>
        <translation>Follower &amp;entfernen…</translation>
    </message>
    <message>
        <source>The request could not be loaded.</source>
        <translation>Die Anfrage konnte nicht geladen werden.</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Nicht zugewiesen</translation>
    </message>
    <message>
        <source>%1 (agent)</source>
        <translation>%1 (Agent)</translation>
    </message>
    <message>
        <source>Select a request in the list, or create one with Ctrl+N.</source>
        <translation>Wählen Sie eine Anfrage in der Liste oder legen Sie mit Strg+N eine an.</translation>
    </message>
    <message>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <source>Requester: %1 · Team: %2 · Created %3</source>
        <translation>Anfragend: %1 · Team: %2 · Angelegt %3</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message numerus="yes">
        <source>%n follower(s): %1</source>
        <translation>
            <numerusform>%n Follower: %1</numerusform>
            <numerusform>%n Follower: %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Someone else changed this request first. It was reloaded with their changes: check it and make your change again.</source>
        <translation>Jemand anderes hat diese Anfrage zuerst geändert. Sie wurde mit diesen Änderungen neu geladen: Prüfen Sie sie und nehmen Sie Ihre Änderung erneut vor.</translation>
    </message>
    <message>
        <source>The change was not saved.</source>
        <translation>Die Änderung wurde nicht gespeichert.</translation>
    </message>
    <message>
        <source>The reply was not sent.</source>
        <translation>Die Antwort wurde nicht gesendet.</translation>
    </message>
    <message>
        <source>Edit update everywhere</source>
        <translation>Beitrag überall bearbeiten</translation>
    </message>
    <message>
        <source>The new text replaces the update on the desk and in every Slack thread it was posted to:</source>
        <translation>Der neue Text ersetzt den Beitrag auf dem Desk und in jedem Slack-Thread, in dem er gepostet wurde:</translation>
    </message>
    <message>
        <source>The update was not edited.</source>
        <translation>Der Beitrag wurde nicht bearbeitet.</translation>
    </message>
    <message numerus="yes">
        <source>Delete this update from the desk and from %n Slack thread(s)?</source>
        <translation>
            <numerusform>Diesen Beitrag vom Desk und aus %n Slack-Thread löschen?</numerusform>
            <numerusform>Diesen Beitrag vom Desk und aus %n Slack-Threads löschen?</numerusform>
        </translation>
    </message>
    <message>
        <source>The author&apos;s own message in their Slack thread stays: Slack does not let the app delete it.</source>
        <translation>Die eigene Nachricht des Autors in seinem Slack-Thread bleibt: Slack erlaubt der App nicht, sie zu löschen.</translation>
    </message>
    <message>
        <source>Delete update everywhere</source>
        <translation>Beitrag überall löschen</translation>
    </message>
    <message>
        <source>Delete everywhere</source>
        <translation>Überall löschen</translation>
    </message>
    <message>
        <source>The update was not deleted.</source>
        <translation>Der Beitrag wurde nicht gelöscht.</translation>
    </message>
    <message>
        <source>Link copied: %1</source>
        <translation>Link kopiert: %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Everybody the desk knows already follows this request.</source>
        <translation>Alle, die der Desk kennt, folgen dieser Anfrage bereits.</translation>
    </message>
    <message>
        <source>Add follower</source>
        <translation>Follower hinzufügen</translation>
    </message>
    <message>
        <source>They get their own Slack thread about this request:</source>
        <translation>Die Person erhält einen eigenen Slack-Thread zu dieser Anfrage:</translation>
    </message>
    <message>
        <source>The follower was not added.</source>
        <translation>Der Follower wurde nicht hinzugefügt.</translation>
    </message>
    <message>
        <source>Remove follower</source>
        <translation>Follower entfernen</translation>
    </message>
    <message>
        <source>They get a closing note in their Slack thread:</source>
        <translation>Die Person erhält eine Abschlussnotiz in ihrem Slack-Thread:</translation>
    </message>
    <message>
        <source>The follower was not removed.</source>
        <translation>Der Follower wurde nicht entfernt.</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Fo&amp;llow…</source>
        <translation>&amp;Folgen…</translation>
    </message>
    <message>
        <source>Threa&amp;ds</source>
        <translation>&amp;Threads</translation>
    </message>
    <message>
        <source>Slack threads</source>
        <translation>Slack-Threads</translation>
    </message>
    <message>
        <source>Slack sync: %1 · Slack: %2 · fast lane %3 · maintenance lane %4 · in flight %5 · failed %6 · rate-limit waits %7. Changes to this request made in this session:</source>
        <translation>Slack-Synchronisierung: %1 · Slack: %2 · schnelle Spur %3 · Wartungsspur %4 · unterwegs %5 · fehlgeschlagen %6 · Wartezeiten durch Ratenlimits %7. Änderungen an dieser Anfrage in dieser Sitzung:</translation>
    </message>
    <message>
        <source>summary</source>
        <translation>Zusammenfassung</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>author</source>
        <translation>Autor</translation>
    </message>
    <message>
        <source>retained by author</source>
        <translation>vom Autor behalten</translation>
    </message>
    <message>
        <source>DM channel %1</source>
        <translation>DM-Kanal %1</translation>
    </message>
    <message>
        <source>Slack sync is not running.

Connect Slack in Settings (Ctrl+,): this tab then shows every update&apos;s copy in every follower&apos;s Slack thread (posted, on its way, failed with the reason and Retry, deleted, retained by its author).</source>
        <translation>Die Slack-Synchronisierung läuft nicht.

Verbinden Sie Slack in den Einstellungen (Strg+,): Dieser Tab zeigt dann die Kopie jedes Beitrags im Slack-Thread jedes Followers (gepostet, unterwegs, fehlgeschlagen mit Grund und „Erneut versuchen“, gelöscht, vom Autor behalten).</translation>
    </message>
    <message>
        <source>Slack sync is not running, so there are no lanes, queues or Slack errors to show. Changes to this request made in this session:</source>
        <translation>Die Slack-Synchronisierung läuft nicht, daher gibt es keine Spuren, Warteschlangen oder Slack-Fehler anzuzeigen. Änderungen an dieser Anfrage in dieser Sitzung:</translation>
    </message>
    <message>
        <source>No DM channel yet</source>
        <translation>Noch kein DM-Kanal</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>Slack was unavailable</source>
        <translation>Slack war nicht erreichbar</translation>
    </message>
    <message>
        <source>Slack had an internal error</source>
        <translation>Slack hatte einen internen Fehler</translation>
    </message>
    <message>
        <source>Slack did not answer in time</source>
        <translation>Slack hat nicht rechtzeitig geantwortet</translation>
    </message>
    <message>
        <source>Slack&apos;s rate limit</source>
        <translation>Ratenlimit von Slack</translation>
    </message>
    <message>
        <source>the conversation no longer exists</source>
        <translation>die Unterhaltung gibt es nicht mehr</translation>
    </message>
    <message>
        <source>the conversation is archived</source>
        <translation>die Unterhaltung ist archiviert</translation>
    </message>
    <message>
        <source>the app is not in the conversation</source>
        <translation>die App ist nicht in der Unterhaltung</translation>
    </message>
    <message>
        <source>Slack does not know this person</source>
        <translation>Slack kennt diese Person nicht</translation>
    </message>
    <message>
        <source>the person&apos;s account is deactivated</source>
        <translation>das Konto der Person ist deaktiviert</translation>
    </message>
    <message>
        <source>the message is too long for Slack</source>
        <translation>die Nachricht ist zu lang für Slack</translation>
    </message>
    <message>
        <source>the Slack message is gone</source>
        <translation>die Slack-Nachricht gibt es nicht mehr</translation>
    </message>
    <message>
        <source>Slack does not let the app change it</source>
        <translation>Slack erlaubt der App nicht, sie zu ändern</translation>
    </message>
    <message>
        <source>Slack does not let the app delete it</source>
        <translation>Slack erlaubt der App nicht, sie zu löschen</translation>
    </message>
    <message>
        <source>Slack refused the token</source>
        <translation>Slack hat das Token abgelehnt</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>geschlossen</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Post this update again to every thread where it failed</source>
        <translation>Diesen Beitrag erneut in jeden Thread posten, in dem er fehlgeschlagen ist</translation>
    </message>
    <message>
        <source>Post the summary and the updates again in this thread</source>
        <translation>Zusammenfassung und Beiträge erneut in diesem Thread posten</translation>
    </message>
    <message>
        <source>Nothing was retried.</source>
        <translation>Es wurde nichts erneut versucht.</translation>
    </message>
    <message>
        <source>The server connection is closed.</source>
        <translation>Die Verbindung zum Server ist geschlossen.</translation>
    </message>
    <message>
        <source>Attach &amp;files…</source>
        <translation>&amp;Dateien anhängen…</translation>
    </message>
    <message>
        <source>Attach files to the next reply (or drop them on the reply field)</source>
        <translation>Dateien an die nächste Antwort anhängen (oder auf das Antwortfeld ziehen)</translation>
    </message>
    <message>
        <source>Files to send</source>
        <translation>Zu sendende Dateien</translation>
    </message>
    <message>
        <source>Sent with the next reply. Del removes the selected file.</source>
        <translation>Werden mit der nächsten Antwort gesendet. Entf entfernt die ausgewählte Datei.</translation>
    </message>
    <message>
        <source>&amp;Attach files…</source>
        <translation>Dateien an&amp;hängen…</translation>
    </message>
    <message>
        <source>synced %1</source>
        <translation>synchronisiert %1</translation>
    </message>
    <message>
        <source>not synced yet</source>
        <translation>noch nicht synchronisiert</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Dateien anhängen</translation>
    </message>
    <message>
        <source>Open %1</source>
        <translation>%1 öffnen</translation>
    </message>
    <message>
        <source>Save %1 as…</source>
        <translation>%1 speichern unter…</translation>
    </message>
    <message>
        <source>Save attachment</source>
        <translation>Anhang speichern</translation>
    </message>
    <message>
        <source>The attachment was not saved.</source>
        <translation>Der Anhang wurde nicht gespeichert.</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Gespeichert unter %1</translation>
    </message>
    <message>
        <source>The attachment cannot be opened.</source>
        <translation>Der Anhang kann nicht geöffnet werden.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1: %2 (%3)</source>
        <translation>%1: %2 (%3)</translation>
    </message>
    <message>
        <source>in the thread</source>
        <translation>im Thread</translation>
    </message>
    <message>
        <source>on its way</source>
        <translation>unterwegs</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>the author&apos;s own file</source>
        <translation>die eigene Datei der Person</translation>
    </message>
    <message>
        <source>not copied</source>
        <translation>nicht kopiert</translation>
    </message>
    <message>
        <source>%1 · file %2</source>
        <translation>%1 · Datei %2</translation>
    </message>
</context>
<context>
    <name>threadline::gui::SecretFile</name>
    <message>
        <source>Cannot read the token file %1</source>
        <translation>Die Token-Datei %1 kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>Cannot write the token file %1</source>
        <translation>Die Token-Datei %1 kann nicht geschrieben werden</translation>
    </message>
</context>
<context>
    <name>threadline::gui::Session</name>
    <message>
        <source>The sandbox workspace could not listen on 127.0.0.1</source>
        <translation>Der Sandbox-Arbeitsbereich konnte nicht auf 127.0.0.1 lauschen</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>VPN drops every hour</source>
        <translation>VPN bricht jede Stunde ab</translation>
    </message>
    <message>
        <source>Since this morning my VPN connection drops about once an hour and I have to sign in again. It happens at home and in the office.</source>
        <translation>Seit heute Morgen bricht meine VPN-Verbindung etwa einmal pro Stunde ab, und ich muss mich neu anmelden. Das passiert zu Hause und im Büro.</translation>
    </message>
    <message>
        <source>IT</source>
        <translation>IT</translation>
    </message>
    <message>
        <source>Desk agent</source>
        <translation>Desk-Agent</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Nicht zugewiesen</translation>
    </message>
    <message>
        <source>Person %1</source>
        <translation>Person %1</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>Kein Team</translation>
    </message>
    <message>
        <source>Team %1</source>
        <translation>Team %1</translation>
    </message>
    <message>
        <source>Slack sync needs the bot token and the app-level token: add them in Settings.</source>
        <translation>Die Slack-Synchronisierung braucht das Bot-Token und das App-Token: Tragen Sie sie in den Einstellungen ein.</translation>
    </message>
    <message>
        <source>The Slack address in the settings (slack/api_url) is not an http(s) URL.</source>
        <translation>Die Slack-Adresse in den Einstellungen (slack/api_url) ist keine http(s)-URL.</translation>
    </message>
    <message>
        <source>Remote mode needs the server address (http:// or https://) and an agent token: add them in Settings.</source>
        <translation>Der Remote-Modus braucht die Serveradresse (http:// oder https://) und ein Agenten-Token: Tragen Sie sie in den Einstellungen ein.</translation>
    </message>
    <message>
        <source>The file is not in this desk&apos;s files store.</source>
        <translation>Die Datei ist nicht im Dateispeicher dieses Desks.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::SettingsDialog</name>
    <message>
        <source>&amp;Embedded: this computer keeps the desk</source>
        <translation>&amp;Eingebettet: Dieser Computer hält den Desk</translation>
    </message>
    <message>
        <source>&amp;Remote: a Threadline server keeps the desk</source>
        <translation>Entfe&amp;rnt: Ein Threadline-Server hält den Desk</translation>
    </message>
    <message>
        <source>The new language is used after Threadline restarts.</source>
        <translation>Die neue Sprache gilt nach einem Neustart von Threadline.</translation>
    </message>
    <message>
        <source>Notify me of new Slack replies on requests assigned to me</source>
        <translation>Mich über neue Slack-Antworten zu mir zugewiesenen Anfragen benachrichtigen</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>Datenbank: %1</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <source>Slack</source>
        <translation>Slack</translation>
    </message>
    <message>
        <source>stored — type to replace</source>
        <translation>gespeichert — zum Ersetzen tippen</translation>
    </message>
    <message>
        <source>&amp;Bot token:</source>
        <translation>&amp;Bot-Token:</translation>
    </message>
    <message>
        <source>&amp;App-level token:</source>
        <translation>&amp;App-Token:</translation>
    </message>
    <message>
        <source>&amp;Server address:</source>
        <translation>&amp;Serveradresse:</translation>
    </message>
    <message>
        <source>Agent &amp;token:</source>
        <translation>Agenten-&amp;Token:</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>S&amp;prache:</translation>
    </message>
    <message>
        <source>The bot token starts with xoxb- and the app-level token with xapp-.</source>
        <translation>Das Bot-Token beginnt mit xoxb- und das App-Token mit xapp-.</translation>
    </message>
    <message>
        <source>The server address is not a valid URL.</source>
        <translation>Die Serveradresse ist keine gültige URL.</translation>
    </message>
    <message>
        <source>Tokens are kept in the system keychain.</source>
        <translation>Die Tokens liegen im Schlüsselbund des Systems.</translation>
    </message>
    <message>
        <source>⚠ %1 Tokens are kept in %2 instead, a file only your user account can read (mode 0600): anyone who can sign in as you can read them.</source>
        <translation>⚠ %1 Die Tokens liegen stattdessen in %2, einer Datei, die nur Ihr Benutzerkonto lesen kann (Modus 0600): Wer sich als Sie anmelden kann, kann sie lesen.</translation>
    </message>
    <message>
        <source>A change of mode applies when Threadline starts again; a new server address or agent token in remote mode too.</source>
        <translation>Ein Wechsel des Modus gilt ab dem nächsten Start von Threadline; im Remote-Modus auch eine neue Serveradresse oder ein neues Agenten-Token.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::TimelineModel</name>
    <message>
        <source>Slack</source>
        <translation>Slack</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>Desk</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>bearbeitet</translation>
    </message>
    <message>
        <source>— deleted by %1, %2 —</source>
        <translation>— gelöscht von %1, %2 —</translation>
    </message>
    <message>
        <source>Edited %1</source>
        <translation>Bearbeitet %1</translation>
    </message>
</context>
<context>
    <name>threadline::gui::WelcomeDialog</name>
    <message>
        <source>Welcome to Threadline</source>
        <translation>Willkommen bei Threadline</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Welcome to Threadline&lt;/h2&gt;&lt;p&gt;Every request also lives in Slack: each follower gets their own thread, and Threadline keeps the desk and all those threads in step. How do you want to start?&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Willkommen bei Threadline&lt;/h2&gt;&lt;p&gt;Jede Anfrage lebt auch in Slack: Jeder Follower erhält einen eigenen Thread, und Threadline hält den Desk und all diese Threads im Gleichschritt. Wie möchten Sie beginnen?&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Try it with a sandbox workspace</source>
        <translation>Mit einem Sandbox-Arbeitsbereich ausprobieren</translation>
    </message>
    <message>
        <source>An emulated Slack workspace on this computer with three demo colleagues who answer in their threads. Nothing reaches real Slack.</source>
        <translation>Ein nachgebildeter Slack-Arbeitsbereich auf diesem Computer mit drei Demo-Kollegen, die in ihren Threads antworten. Nichts erreicht das echte Slack.</translation>
    </message>
    <message>
        <source>Connect to Slack</source>
        <translation>Mit Slack verbinden</translation>
    </message>
    <message>
        <source>Use your own Slack app: you need its bot token and app-level token.</source>
        <translation>Ihre eigene Slack-App verwenden: Sie brauchen ihr Bot-Token und ihr App-Token.</translation>
    </message>
    <message>
        <source>Connect to a Threadline server</source>
        <translation>Mit einem Threadline-Server verbinden</translation>
    </message>
    <message>
        <source>Work on a desk that a threadlined server keeps, with its address and your agent token.</source>
        <translation>Auf einem Desk arbeiten, den ein threadlined-Server hält, mit seiner Adresse und Ihrem Agenten-Token.</translation>
    </message>
    <message>
        <source>&amp;Later</source>
        <translation>&amp;Später</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Connect to Slack&lt;/h3&gt;&lt;p&gt;Create a Slack app for your workspace at api.slack.com/apps, turn on Socket Mode and install it. Threadline needs:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;a &lt;b&gt;bot token&lt;/b&gt; (&lt;tt&gt;xoxb-…&lt;/tt&gt;) with the scopes &lt;tt&gt;chat:write&lt;/tt&gt;, &lt;tt&gt;im:write&lt;/tt&gt;, &lt;tt&gt;im:history&lt;/tt&gt;, &lt;tt&gt;users:read&lt;/tt&gt;, &lt;tt&gt;users:read.email&lt;/tt&gt;, &lt;tt&gt;files:read&lt;/tt&gt; and &lt;tt&gt;files:write&lt;/tt&gt;, to post and keep each follower&apos;s thread;&lt;/li&gt;&lt;li&gt;an &lt;b&gt;app-level token&lt;/b&gt; (&lt;tt&gt;xapp-…&lt;/tt&gt;) with &lt;tt&gt;connections:write&lt;/tt&gt;, to receive replies through Socket Mode without a public address.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The tokens are stored on this computer only and never shown again.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Mit Slack verbinden&lt;/h3&gt;&lt;p&gt;Legen Sie unter api.slack.com/apps eine Slack-App für Ihren Arbeitsbereich an, schalten Sie den Socket Mode ein und installieren Sie sie. Threadline braucht:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;ein &lt;b&gt;Bot-Token&lt;/b&gt; (&lt;tt&gt;xoxb-…&lt;/tt&gt;) mit den Scopes &lt;tt&gt;chat:write&lt;/tt&gt;, &lt;tt&gt;im:write&lt;/tt&gt;, &lt;tt&gt;im:history&lt;/tt&gt;, &lt;tt&gt;users:read&lt;/tt&gt;, &lt;tt&gt;users:read.email&lt;/tt&gt;, &lt;tt&gt;files:read&lt;/tt&gt; und &lt;tt&gt;files:write&lt;/tt&gt;, um den Thread jedes Followers zu posten und zu pflegen;&lt;/li&gt;&lt;li&gt;ein &lt;b&gt;App-Token&lt;/b&gt; (&lt;tt&gt;xapp-…&lt;/tt&gt;) mit &lt;tt&gt;connections:write&lt;/tt&gt;, um Antworten ohne öffentliche Adresse über den Socket Mode zu empfangen.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Die Tokens werden nur auf diesem Computer gespeichert und nie wieder angezeigt.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Bot token</source>
        <translation>Bot-Token</translation>
    </message>
    <message>
        <source>App-level token</source>
        <translation>App-Token</translation>
    </message>
    <message>
        <source>&amp;Bot token:</source>
        <translation>&amp;Bot-Token:</translation>
    </message>
    <message>
        <source>&amp;App-level token:</source>
        <translation>&amp;App-Token:</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>The bot token starts with xoxb- and the app-level token with xapp-: copy them from your Slack app&apos;s settings.</source>
        <translation>Das Bot-Token beginnt mit xoxb- und das App-Token mit xapp-: Kopieren Sie sie aus den Einstellungen Ihrer Slack-App.</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Connect to a Threadline server&lt;/h3&gt;&lt;p&gt;The address of the threadlined server and the agent token your administrator gave you.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Mit einem Threadline-Server verbinden&lt;/h3&gt;&lt;p&gt;Die Adresse des threadlined-Servers und das Agenten-Token, das Sie von Ihrer Administration erhalten haben.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Serveradresse</translation>
    </message>
    <message>
        <source>Agent token</source>
        <translation>Agenten-Token</translation>
    </message>
    <message>
        <source>Server &amp;address:</source>
        <translation>Server&amp;adresse:</translation>
    </message>
    <message>
        <source>Agent &amp;token:</source>
        <translation>Agenten-&amp;Token:</translation>
    </message>
    <message>
        <source>Enter the server&apos;s http(s) address and your agent token.</source>
        <translation>Geben Sie die http(s)-Adresse des Servers und Ihr Agenten-Token ein.</translation>
    </message>
    <message>
        <source>Bac&amp;k</source>
        <translation>&amp;Zurück</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbindung zu %1 wird hergestellt…</translation>
    </message>
</context>
</TS>
