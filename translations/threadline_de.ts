<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>threadline::gui::MainWindow</name>
    <message>
        <source>Threadline</source>
        <translation>Threadline</translation>
    </message>
    <message>
        <source>Threadline %1</source>
        <translation>Threadline %1</translation>
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
</context>
</TS>