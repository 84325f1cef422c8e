<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
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
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Aide</translation>
    </message>
    <message>
        <source>About Threadline</source>
        <translation>À propos de Threadline</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Threadline %1&lt;/h3&gt;&lt;p&gt;The request desk that lives inside Slack.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Threadline %1&lt;/h3&gt;&lt;p&gt;Le guichet de demandes qui vit dans Slack.&lt;/p&gt;</translation>
    </message>
</context>
</TS>