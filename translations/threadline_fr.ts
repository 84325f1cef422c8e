<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>threadline::gui::Attachments</name>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>%1 · on its way from Slack</source>
        <translation>%1 · en cours de récupération depuis Slack</translation>
    </message>
    <message>
        <source>%1 · refused: %2</source>
        <translation>%1 · refusé : %2</translation>
    </message>
    <message>
        <source>%1 · failed: %2</source>
        <translation>%1 · échec : %2</translation>
    </message>
    <message>
        <source>This desk has no files store.</source>
        <translation>Ce desk n’a pas de stockage de fichiers.</translation>
    </message>
    <message>
        <source>%1 cannot be read.</source>
        <translation>%1 ne peut pas être lu.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1 : %2</translation>
    </message>
    <message>
        <source>%1 is too large to send: at most %2 at a time.</source>
        <translation>%1 est trop volumineux pour être envoyé : %2 au plus à la fois.</translation>
    </message>
    <message>
        <source>The file is not in this desk&apos;s files store.</source>
        <translation>Le fichier n’est pas dans le stockage de fichiers de ce desk.</translation>
    </message>
    <message>
        <source>%1 cannot be written.</source>
        <translation>%1 ne peut pas être écrit.</translation>
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
        <translation>Rien n’est encore connecté : choisissez un espace de travail dans les Réglages, ou redémarrez avec --sandbox.</translation>
    </message>
    <message>
        <source>New laptop for Chloé</source>
        <translation>Nouvel ordinateur portable pour Chloé</translation>
    </message>
    <message>
        <source>Can you try the new VPN profile? It reconnects on its own.</source>
        <translation>Pouvez-vous essayer le nouveau profil VPN ? Il se reconnecte tout seul.</translation>
    </message>
    <message>
        <source>The server refused the agent token: check it, or ask your administrator for a new one.</source>
        <translation>Le serveur a refusé le jeton d’agent : vérifiez-le, ou demandez-en un nouveau à votre administrateur.</translation>
    </message>
    <message>
        <source>Could not open the server&apos;s desk: %1</source>
        <translation>Impossible d’ouvrir le desk du serveur : %1</translation>
    </message>
</context>
<context>
    <name>threadline::gui::EngineHost</name>
    <message>
        <source>Slack sync is not running</source>
        <translation>La synchronisation Slack ne tourne pas</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>arrêtée</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>démarrage</translation>
    </message>
    <message>
        <source>running</source>
        <translation>en marche</translation>
    </message>
    <message>
        <source>Slack refused the token: reconnect in Settings</source>
        <translation>Slack a refusé le jeton : reconnectez-vous dans les Réglages</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>arrêt en cours</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>en échec</translation>
    </message>
    <message>
        <source>disconnected</source>
        <translation>déconnecté</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>connexion</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>connecté</translation>
    </message>
    <message>
        <source>token refused</source>
        <translation>jeton refusé</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>désactivé</translation>
    </message>
</context>
<context>
    <name>threadline::gui::Keyring</name>
    <message>
        <source>The system keychain is not available (%1).</source>
        <translation>Le trousseau du système n’est pas disponible (%1).</translation>
    </message>
    <message>
        <source>The system keychain is turned off (THREADLINE_NO_KEYCHAIN=1).</source>
        <translation>Le trousseau du système est désactivé (THREADLINE_NO_KEYCHAIN=1).</translation>
    </message>
    <message>
        <source>This build of Threadline has no system keychain support (QtKeychain).</source>
        <translation>Cette version de Threadline ne prend pas en charge le trousseau du système (QtKeychain).</translation>
    </message>
    <message>
        <source>The system keychain refused the tokens (%1).</source>
        <translation>Le trousseau du système a refusé les jetons (%1).</translation>
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
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>A&amp;ide</translation>
    </message>
    <message>
        <source>About Threadline</source>
        <translation>À propos de Threadline</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Threadline %1&lt;/h3&gt;&lt;p&gt;The request desk that lives inside Slack.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Threadline %1&lt;/h3&gt;&lt;p&gt;Le guichet de demandes qui vit dans Slack.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Assigned to &amp;me</source>
        <translation>Assignées à &amp;moi</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Demandes</translation>
    </message>
    <message>
        <source>Sandbox workspace — nothing reaches real Slack</source>
        <translation>Espace de travail bac à sable — rien n’atteint le vrai Slack</translation>
    </message>
    <message>
        <source>Search… (Ctrl+K)</source>
        <translation>Rechercher… (Ctrl+K)</translation>
    </message>
    <message>
        <source>Search requests</source>
        <translation>Rechercher dans les demandes</translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation>Filtre d’état</translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation>Tous les états</translation>
    </message>
    <message>
        <source>Active (new, open, waiting)</source>
        <translation>Actives (nouvelles, ouvertes, en attente)</translation>
    </message>
    <message>
        <source>Team filter</source>
        <translation>Filtre d’équipe</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Principale</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n demande</numerusform>
            <numerusform>%n demandes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n+ requests</source>
        <translation>
            <numerusform>%n+ demandes</numerusform>
            <numerusform>%n+ demandes</numerusform>
        </translation>
    </message>
    <message>
        <source>The requests could not be loaded: %1</source>
        <translation>Les demandes n’ont pas pu être chargées : %1</translation>
    </message>
    <message>
        <source>&amp;New request…</source>
        <translation>&amp;Nouvelle demande…</translation>
    </message>
    <message>
        <source>New request (Ctrl+N)</source>
        <translation>Nouvelle demande (Ctrl+N)</translation>
    </message>
    <message>
        <source>&amp;Search…</source>
        <translation>&amp;Rechercher…</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>Ré&amp;glages…</translation>
    </message>
    <message>
        <source>&amp;Next request</source>
        <translation>Demande &amp;suivante</translation>
    </message>
    <message>
        <source>&amp;Previous request</source>
        <translation>Demande &amp;précédente</translation>
    </message>
    <message>
        <source>Re&amp;load</source>
        <translation>Re&amp;charger</translation>
    </message>
    <message>
        <source>&amp;Assigned to me</source>
        <translation>&amp;Assignées à moi</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Édition</translation>
    </message>
    <message>
        <source>&amp;Request</source>
        <translation>&amp;Demande</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <source>All teams</source>
        <translation>Toutes les équipes</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>Aucune équipe</translation>
    </message>
    <message>
        <source>The request was not created: %1</source>
        <translation>La demande n’a pas été créée : %1</translation>
    </message>
    <message>
        <source>Request #%1 created</source>
        <translation>Demande n° %1 créée</translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>Réglages enregistrés</translation>
    </message>
    <message>
        <source>Sandbox workspace at %1</source>
        <translation>Espace bac à sable sur %1</translation>
    </message>
    <message>
        <source>New Slack reply on #%1</source>
        <translation>Nouvelle réponse Slack sur n° %1</translation>
    </message>
    <message>
        <source>%1 replied on “%2”</source>
        <translation>%1 a répondu sur « %2 »</translation>
    </message>
    <message numerus="yes">
        <source>Threadline: %n request(s) waiting on you</source>
        <translation>
            <numerusform>Threadline : %n demande vous attend</numerusform>
            <numerusform>Threadline : %n demandes vous attendent</numerusform>
        </translation>
    </message>
    <message>
        <source>Slack: %1</source>
        <translation>Slack : %1</translation>
    </message>
    <message>
        <source>Slack sync: %1</source>
        <translation>Synchronisation Slack : %1</translation>
    </message>
    <message>
        <source> (Socket Mode)</source>
        <translation> (Socket Mode)</translation>
    </message>
    <message>
        <source>fast %1</source>
        <translation>rapide %1</translation>
    </message>
    <message>
        <source>maintenance %1</source>
        <translation>maintenance %1</translation>
    </message>
    <message>
        <source>failed %1</source>
        <translation>en échec %1</translation>
    </message>
    <message>
        <source>Click a column to sort by it; click again to reverse</source>
        <translation>Cliquez sur une colonne pour trier ; cliquez à nouveau pour inverser</translation>
    </message>
    <message>
        <source>Slack: not connected</source>
        <translation>Slack : non connecté</translation>
    </message>
    <message>
        <source>Requests and updates stay on the desk until Slack is connected: add the tokens in Settings (Ctrl+,).</source>
        <translation>Les demandes et les messages restent sur le bureau tant que Slack n’est pas connecté : ajoutez les jetons dans les Paramètres (Ctrl+,).</translation>
    </message>
    <message>
        <source>Qt %1 · data folder %2</source>
        <translation>Qt %1 · dossier de données %2</translation>
    </message>
    <message>
        <source>Server: %1</source>
        <translation>Serveur : %1</translation>
    </message>
    <message>
        <source>Settings saved. Restart Threadline to use the new language, mode or server.</source>
        <translation>Paramètres enregistrés. Redémarrez Threadline pour utiliser la nouvelle langue, le nouveau mode ou le nouveau serveur.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::MessageBar</name>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Fermer</translation>
    </message>
</context>
<context>
    <name>threadline::gui::NewRequestDialog</name>
    <message>
        <source>New request</source>
        <translation>Nouvelle demande</translation>
    </message>
    <message>
        <source>What is the request about?</source>
        <translation>De quoi s’agit-il ?</translation>
    </message>
    <message>
        <source>Details (optional)</source>
        <translation>Détails (facultatif)</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>Aucune équipe</translation>
    </message>
    <message>
        <source>Type a name, then Enter</source>
        <translation>Tapez un nom, puis Entrée</translation>
    </message>
    <message>
        <source>Who asks? Type a name</source>
        <translation>Qui demande ? Tapez un nom</translation>
    </message>
    <message>
        <source>Followers</source>
        <translation>Abonnés</translation>
    </message>
    <message>
        <source>&amp;Create request</source>
        <translation>&amp;Créer la demande</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Ajouter</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Retirer</translation>
    </message>
    <message>
        <source>&amp;Title:</source>
        <translation>&amp;Titre :</translation>
    </message>
    <message>
        <source>&amp;Details:</source>
        <translation>&amp;Détails :</translation>
    </message>
    <message>
        <source>Re&amp;quester:</source>
        <translation>De&amp;mandeur :</translation>
    </message>
    <message>
        <source>Assi&amp;gnee:</source>
        <translation>Res&amp;ponsable :</translation>
    </message>
    <message>
        <source>T&amp;eam:</source>
        <translation>É&amp;quipe :</translation>
    </message>
    <message>
        <source>&amp;Followers:</source>
        <translation>A&amp;bonnés :</translation>
    </message>
    <message>
        <source>Everyone listed (requester, assignee, team members and followers) gets their own Slack thread about this request, saying why they are notified.</source>
        <translation>Chaque personne indiquée (demandeur, responsable, membres de l’équipe et abonnés) reçoit son propre fil Slack sur cette demande, qui explique pourquoi elle est notifiée.</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Non assignée</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Pick a follower from the list of people.</source>
        <translation>Choisissez un abonné dans la liste des personnes.</translation>
    </message>
    <message>
        <source>The request needs a title.</source>
        <translation>La demande doit avoir un titre.</translation>
    </message>
    <message>
        <source>Pick the requester from the list of people.</source>
        <translation>Choisissez le demandeur dans la liste des personnes.</translation>
    </message>
    <message>
        <source>Pick the assignee from the list of people, or Unassigned.</source>
        <translation>Choisissez le responsable dans la liste des personnes, ou « Non assignée ».</translation>
    </message>
</context>
<context>
    <name>threadline::gui::RemoteDesk</name>
    <message>
        <source>The server refused the agent token: %1</source>
        <translation>Le serveur a refusé le jeton d&apos;agent : %1</translation>
    </message>
    <message>
        <source>The server keeps no bytes for %1.</source>
        <translation>Le serveur ne conserve pas les octets de %1.</translation>
    </message>
    <message>
        <source>The server sent other bytes than the file&apos;s.</source>
        <translation>Le serveur a envoyé d&apos;autres octets que ceux du fichier.</translation>
    </message>
    <message>
        <source>%1 cannot be written.</source>
        <translation>%1 ne peut pas être écrit.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::RequestListModel</name>
    <message>
        <source>New</source>
        <translation>Nouvelle</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Ouverte</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>En attente</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Résolue</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Fermée</translation>
    </message>
    <message numerus="yes">
        <source>%n new Slack reply(s) since you last opened this request</source>
        <translation>
            <numerusform>%n nouvelle réponse Slack depuis votre dernière ouverture de cette demande</numerusform>
            <numerusform>%n nouvelles réponses Slack depuis votre dernière ouverture de cette demande</numerusform>
        </translation>
    </message>
    <message>
        <source>New Slack replies since you last opened the request</source>
        <translation>Nouvelles réponses Slack depuis votre dernière ouverture de la demande</translation>
    </message>
    <message>
        <source>#</source>
        <translation>n°</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titre</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>Responsable</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Modifiée</translation>
    </message>
</context>
<context>
    <name>threadline::gui::RequestView</name>
    <message>
        <source>requester</source>
        <translation>demandeur</translation>
    </message>
    <message>
        <source>assignee</source>
        <translation>responsable</translation>
    </message>
    <message>
        <source>team</source>
        <translation>équipe</translation>
    </message>
    <message>
        <source>follower</source>
        <translation>abonné</translation>
    </message>
    <message>
        <source>someone</source>
        <translation>quelqu’un</translation>
    </message>
    <message>
        <source>%1 created the request</source>
        <translation>%1 a créé la demande</translation>
    </message>
    <message>
        <source>%1 changed the status</source>
        <translation>%1 a changé l’état</translation>
    </message>
    <message>
        <source>%1 changed the assignee</source>
        <translation>%1 a changé le responsable</translation>
    </message>
    <message>
        <source>%1 changed the title</source>
        <translation>%1 a changé le titre</translation>
    </message>
    <message>
        <source>%1 now follows</source>
        <translation>%1 suit maintenant la demande</translation>
    </message>
    <message>
        <source>%1 no longer follows</source>
        <translation>%1 ne suit plus la demande</translation>
    </message>
    <message>
        <source>%1 replied in Slack</source>
        <translation>%1 a répondu dans Slack</translation>
    </message>
    <message>
        <source>%1 posted an update</source>
        <translation>%1 a publié un message</translation>
    </message>
    <message>
        <source>%1 edited an update</source>
        <translation>%1 a modifié un message</translation>
    </message>
    <message>
        <source>%1 deleted an update</source>
        <translation>%1 a supprimé un message</translation>
    </message>
    <message>
        <source>A file was attached</source>
        <translation>Un fichier a été joint</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>En&amp;voyer</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titre</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>Responsable</translation>
    </message>
    <message>
        <source>Request details</source>
        <translation>Détails de la demande</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Chronologie</translation>
    </message>
    <message>
        <source>Reply to everyone following… (Ctrl+Enter)</source>
        <translation>Répondre à tous les abonnés… (Ctrl+Entrée)</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>Réponse</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>Envoi en cours</translation>
    </message>
    <message>
        <source>Recent changes</source>
        <translation>Modifications récentes</translation>
    </message>
    <message>
        <source>&amp;Timeline</source>
        <translation>&amp;Chronologie</translation>
    </message>
    <message>
        <source>&amp;Activity</source>
        <translation>Ac&amp;tivité</translation>
    </message>
    <message>
        <source>&amp;Send reply</source>
        <translation>&amp;Envoyer la réponse</translation>
    </message>
    <message>
        <source>&amp;Edit update everywhere…</source>
        <translation>&amp;Modifier le message partout…</translation>
    </message>
    <message>
        <source>&amp;Delete update everywhere…</source>
        <translation>&amp;Supprimer le message partout…</translation>
    </message>
    <message>
        <source>&amp;Copy link to update</source>
        <translation>&amp;Copier le lien du message</translation>
    </message>
    <message>
        <source>Add &amp;follower…</source>
        <translation>&amp;Ajouter un abonné…</translation>
    </message>
    <message>
        <source>&amp;Remove follower…</source>
        <translation>&amp;Retirer un abonné…</translation>
    </message>
    <message>
        <source>The request could not be loaded.</source>
        <translation>La demande n’a pas pu être chargée.</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Non assignée</translation>
    </message>
    <message>
        <source>%1 (agent)</source>
        <translation>%1 (agent)</translation>
    </message>
    <message>
        <source>Select a request in the list, or create one with Ctrl+N.</source>
        <translation>Sélectionnez une demande dans la liste, ou créez-en une avec Ctrl+N.</translation>
    </message>
    <message>
        <source>#%1</source>
        <translation>n° %1</translation>
    </message>
    <message>
        <source>Requester: %1 · Team: %2 · Created %3</source>
        <translation>Demandeur : %1 · Équipe : %2 · Créée le %3</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message numerus="yes">
        <source>%n follower(s): %1</source>
        <translation>
            <numerusform>%n abonné : %1</numerusform>
            <numerusform>%n abonnés : %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Someone else changed this request first. It was reloaded with their changes: check it and make your change again.</source>
        <translation>Quelqu’un d’autre a modifié cette demande avant vous. Elle a été rechargée avec ses modifications : vérifiez-la et refaites votre changement.</translation>
    </message>
    <message>
        <source>The change was not saved.</source>
        <translation>La modification n’a pas été enregistrée.</translation>
    </message>
    <message>
        <source>The reply was not sent.</source>
        <translation>La réponse n’a pas été envoyée.</translation>
    </message>
    <message>
        <source>Edit update everywhere</source>
        <translation>Modifier le message partout</translation>
    </message>
    <message>
        <source>The new text replaces the update on the desk and in every Slack thread it was posted to:</source>
        <translation>Le nouveau texte remplace le message sur le desk et dans chaque fil Slack où il a été publié :</translation>
    </message>
    <message>
        <source>The update was not edited.</source>
        <translation>Le message n’a pas été modifié.</translation>
    </message>
    <message numerus="yes">
        <source>Delete this update from the desk and from %n Slack thread(s)?</source>
        <translation>
            <numerusform>Supprimer ce message du desk et de %n fil Slack ?</numerusform>
            <numerusform>Supprimer ce message du desk et de %n fils Slack ?</numerusform>
        </translation>
    </message>
    <message>
        <source>The author&apos;s own message in their Slack thread stays: Slack does not let the app delete it.</source>
        <translation>Le message de l’auteur dans son propre fil Slack reste : Slack ne permet pas à l’application de le supprimer.</translation>
    </message>
    <message>
        <source>Delete update everywhere</source>
        <translation>Supprimer le message partout</translation>
    </message>
    <message>
        <source>Delete everywhere</source>
        <translation>Supprimer partout</translation>
    </message>
    <message>
        <source>The update was not deleted.</source>
        <translation>Le message n’a pas été supprimé.</translation>
    </message>
    <message>
        <source>Link copied: %1</source>
        <translation>Lien copié : %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Everybody the desk knows already follows this request.</source>
        <translation>Toutes les personnes connues du desk suivent déjà cette demande.</translation>
    </message>
    <message>
        <source>Add follower</source>
        <translation>Ajouter un abonné</translation>
    </message>
    <message>
        <source>They get their own Slack thread about this request:</source>
        <translation>La personne reçoit son propre fil Slack sur cette demande :</translation>
    </message>
    <message>
        <source>The follower was not added.</source>
        <translation>L’abonné n’a pas été ajouté.</translation>
    </message>
    <message>
        <source>Remove follower</source>
        <translation>Retirer un abonné</translation>
    </message>
    <message>
        <source>They get a closing note in their Slack thread:</source>
        <translation>La personne reçoit une note de clôture dans son fil Slack :</translation>
    </message>
    <message>
        <source>The follower was not removed.</source>
        <translation>L’abonné n’a pas été retiré.</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Fo&amp;llow…</source>
        <translation>S&amp;uivre…</translation>
    </message>
    <message>
        <source>Threa&amp;ds</source>
        <translation>Fil&amp;s</translation>
    </message>
    <message>
        <source>Slack threads</source>
        <translation>Fils Slack</translation>
    </message>
    <message>
        <source>Slack sync: %1 · Slack: %2 · fast lane %3 · maintenance lane %4 · in flight %5 · failed %6 · rate-limit waits %7. Changes to this request made in this session:</source>
        <translation>Synchronisation Slack : %1 · Slack : %2 · voie rapide %3 · voie de maintenance %4 · en cours %5 · en échec %6 · attentes de limite de débit %7. Modifications de cette demande pendant cette session :</translation>
    </message>
    <message>
        <source>summary</source>
        <translation>résumé</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>author</source>
        <translation>auteur</translation>
    </message>
    <message>
        <source>retained by author</source>
        <translation>conservé par l’auteur</translation>
    </message>
    <message>
        <source>DM channel %1</source>
        <translation>Canal DM %1</translation>
    </message>
    <message>
        <source>Slack sync is not running.

Connect Slack in Settings (Ctrl+,): this tab then shows every update&apos;s copy in every follower&apos;s Slack thread (posted, on its way, failed with the reason and Retry, deleted, retained by its author).</source>
        <translation>La synchronisation Slack ne tourne pas.

Connectez Slack dans les Paramètres (Ctrl+,) : cet onglet montre alors la copie de chaque message dans le fil Slack de chaque abonné (publiée, en route, en échec avec la raison et « Réessayer », supprimée, conservée par son auteur).</translation>
    </message>
    <message>
        <source>Slack sync is not running, so there are no lanes, queues or Slack errors to show. Changes to this request made in this session:</source>
        <translation>La synchronisation Slack ne tourne pas : aucune voie, file d’attente ou erreur Slack à afficher. Modifications de cette demande pendant cette session :</translation>
    </message>
    <message>
        <source>No DM channel yet</source>
        <translation>Pas encore de conversation directe</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>échec</translation>
    </message>
    <message>
        <source>Slack was unavailable</source>
        <translation>Slack était indisponible</translation>
    </message>
    <message>
        <source>Slack had an internal error</source>
        <translation>Slack a eu une erreur interne</translation>
    </message>
    <message>
        <source>Slack did not answer in time</source>
        <translation>Slack n’a pas répondu à temps</translation>
    </message>
    <message>
        <source>Slack&apos;s rate limit</source>
        <translation>limite de débit de Slack</translation>
    </message>
    <message>
        <source>the conversation no longer exists</source>
        <translation>la conversation n’existe plus</translation>
    </message>
    <message>
        <source>the conversation is archived</source>
        <translation>la conversation est archivée</translation>
    </message>
    <message>
        <source>the app is not in the conversation</source>
        <translation>l’application n’est pas dans la conversation</translation>
    </message>
    <message>
        <source>Slack does not know this person</source>
        <translation>Slack ne connaît pas cette personne</translation>
    </message>
    <message>
        <source>the person&apos;s account is deactivated</source>
        <translation>le compte de la personne est désactivé</translation>
    </message>
    <message>
        <source>the message is too long for Slack</source>
        <translation>le message est trop long pour Slack</translation>
    </message>
    <message>
        <source>the Slack message is gone</source>
        <translation>le message Slack n’existe plus</translation>
    </message>
    <message>
        <source>Slack does not let the app change it</source>
        <translation>Slack ne permet pas à l’application de le modifier</translation>
    </message>
    <message>
        <source>Slack does not let the app delete it</source>
        <translation>Slack ne permet pas à l’application de le supprimer</translation>
    </message>
    <message>
        <source>Slack refused the token</source>
        <translation>Slack a refusé le jeton</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>fermé</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <source>Post this update again to every thread where it failed</source>
        <translation>Publier à nouveau ce message dans chaque fil où il a échoué</translation>
    </message>
    <message>
        <source>Post the summary and the updates again in this thread</source>
        <translation>Publier à nouveau le résumé et les messages dans ce fil</translation>
    </message>
    <message>
        <source>Nothing was retried.</source>
        <translation>Rien n’a été réessayé.</translation>
    </message>
    <message>
        <source>The server connection is closed.</source>
        <translation>La connexion au serveur est fermée.</translation>
    </message>
    <message>
        <source>Attach &amp;files…</source>
        <translation>Joindre des &amp;fichiers…</translation>
    </message>
    <message>
        <source>Attach files to the next reply (or drop them on the reply field)</source>
        <translation>Joindre des fichiers à la prochaine réponse (ou les déposer sur le champ de réponse)</translation>
    </message>
    <message>
        <source>Files to send</source>
        <translation>Fichiers à envoyer</translation>
    </message>
    <message>
        <source>Sent with the next reply. Del removes the selected file.</source>
        <translation>Envoyés avec la prochaine réponse. Suppr retire le fichier sélectionné.</translation>
    </message>
    <message>
        <source>&amp;Attach files…</source>
        <translation>&amp;Joindre des fichiers…</translation>
    </message>
    <message>
        <source>synced %1</source>
        <translation>synchronisé %1</translation>
    </message>
    <message>
        <source>not synced yet</source>
        <translation>pas encore synchronisé</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>Joindre des fichiers</translation>
    </message>
    <message>
        <source>Open %1</source>
        <translation>Ouvrir %1</translation>
    </message>
    <message>
        <source>Save %1 as…</source>
        <translation>Enregistrer %1 sous…</translation>
    </message>
    <message>
        <source>Save attachment</source>
        <translation>Enregistrer la pièce jointe</translation>
    </message>
    <message>
        <source>The attachment was not saved.</source>
        <translation>La pièce jointe n’a pas été enregistrée.</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>Enregistré dans %1</translation>
    </message>
    <message>
        <source>The attachment cannot be opened.</source>
        <translation>La pièce jointe ne peut pas être ouverte.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1 : %2</translation>
    </message>
    <message>
        <source>%1: %2 (%3)</source>
        <translation>%1 : %2 (%3)</translation>
    </message>
    <message>
        <source>in the thread</source>
        <translation>dans le fil</translation>
    </message>
    <message>
        <source>on its way</source>
        <translation>en cours d’envoi</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>refusé</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>supprimé</translation>
    </message>
    <message>
        <source>the author&apos;s own file</source>
        <translation>le fichier de l’auteur lui-même</translation>
    </message>
    <message>
        <source>not copied</source>
        <translation>non copié</translation>
    </message>
    <message>
        <source>%1 · file %2</source>
        <translation>%1 · fichier %2</translation>
    </message>
</context>
<context>
    <name>threadline::gui::SecretFile</name>
    <message>
        <source>Cannot read the token file %1</source>
        <translation>Impossible de lire le fichier de jetons %1</translation>
    </message>
    <message>
        <source>Cannot write the token file %1</source>
        <translation>Impossible d’écrire le fichier de jetons %1</translation>
    </message>
</context>
<context>
    <name>threadline::gui::Session</name>
    <message>
        <source>The sandbox workspace could not listen on 127.0.0.1</source>
        <translation>L’espace bac à sable n’a pas pu écouter sur 127.0.0.1</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Vous</translation>
    </message>
    <message>
        <source>VPN drops every hour</source>
        <translation>Le VPN se coupe toutes les heures</translation>
    </message>
    <message>
        <source>Since this morning my VPN connection drops about once an hour and I have to sign in again. It happens at home and in the office.</source>
        <translation>Depuis ce matin, ma connexion VPN se coupe environ une fois par heure et je dois me reconnecter. Cela arrive à la maison et au bureau.</translation>
    </message>
    <message>
        <source>IT</source>
        <translation>Informatique</translation>
    </message>
    <message>
        <source>Desk agent</source>
        <translation>Agent du desk</translation>
    </message>
    <message>
        <source>Unassigned</source>
        <translation>Non assignée</translation>
    </message>
    <message>
        <source>Person %1</source>
        <translation>Personne %1</translation>
    </message>
    <message>
        <source>No team</source>
        <translation>Aucune équipe</translation>
    </message>
    <message>
        <source>Team %1</source>
        <translation>Équipe %1</translation>
    </message>
    <message>
        <source>Slack sync needs the bot token and the app-level token: add them in Settings.</source>
        <translation>La synchronisation Slack a besoin du jeton du bot et du jeton d’application : ajoutez-les dans les Paramètres.</translation>
    </message>
    <message>
        <source>The Slack address in the settings (slack/api_url) is not an http(s) URL.</source>
        <translation>L’adresse Slack des paramètres (slack/api_url) n’est pas une URL http(s).</translation>
    </message>
    <message>
        <source>Remote mode needs the server address (http:// or https://) and an agent token: add them in Settings.</source>
        <translation>Le mode distant a besoin de l&apos;adresse du serveur (http:// ou https://) et d&apos;un jeton d&apos;agent : ajoutez-les dans les Paramètres.</translation>
    </message>
    <message>
        <source>The file is not in this desk&apos;s files store.</source>
        <translation>Le fichier n’est pas dans le stockage de fichiers de ce desk.</translation>
    </message>
</context>
<context>
    <name>threadline::gui::SettingsDialog</name>
    <message>
        <source>&amp;Embedded: this computer keeps the desk</source>
        <translation>&amp;Intégré : cet ordinateur tient le desk</translation>
    </message>
    <message>
        <source>&amp;Remote: a Threadline server keeps the desk</source>
        <translation>&amp;Distant : un serveur Threadline tient le desk</translation>
    </message>
    <message>
        <source>The new language is used after Threadline restarts.</source>
        <translation>La nouvelle langue sera utilisée après le redémarrage de Threadline.</translation>
    </message>
    <message>
        <source>Notify me of new Slack replies on requests assigned to me</source>
        <translation>Me notifier des nouvelles réponses Slack sur les demandes qui me sont assignées</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Réglages</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>Base de données : %1</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <source>Slack</source>
        <translation>Slack</translation>
    </message>
    <message>
        <source>stored — type to replace</source>
        <translation>enregistré — tapez pour remplacer</translation>
    </message>
    <message>
        <source>&amp;Bot token:</source>
        <translation>Jeton &amp;bot :</translation>
    </message>
    <message>
        <source>&amp;App-level token:</source>
        <translation>Jeton d’&amp;application :</translation>
    </message>
    <message>
        <source>&amp;Server address:</source>
        <translation>Adresse du &amp;serveur :</translation>
    </message>
    <message>
        <source>Agent &amp;token:</source>
        <translation>Jeton d’a&amp;gent :</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Langue :</translation>
    </message>
    <message>
        <source>The bot token starts with xoxb- and the app-level token with xapp-.</source>
        <translation>Le jeton bot commence par xoxb- et le jeton d’application par xapp-.</translation>
    </message>
    <message>
        <source>The server address is not a valid URL.</source>
        <translation>L’adresse du serveur n’est pas une URL valide.</translation>
    </message>
    <message>
        <source>Tokens are kept in the system keychain.</source>
        <translation>Les jetons sont conservés dans le trousseau du système.</translation>
    </message>
    <message>
        <source>⚠ %1 Tokens are kept in %2 instead, a file only your user account can read (mode 0600): anyone who can sign in as you can read them.</source>
        <translation>⚠ %1 Les jetons sont conservés à la place dans %2, un fichier que seul votre compte utilisateur peut lire (mode 0600) : quiconque peut se connecter sous votre nom peut les lire.</translation>
    </message>
    <message>
        <source>A change of mode applies when Threadline starts again; a new server address or agent token in remote mode too.</source>
        <translation>Un changement de mode s’applique au prochain démarrage de Threadline ; en mode distant, une nouvelle adresse de serveur ou un nouveau jeton d’agent aussi.</translation>
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
        <translation>modifié</translation>
    </message>
    <message>
        <source>— deleted by %1, %2 —</source>
        <translation>— supprimé par %1, %2 —</translation>
    </message>
    <message>
        <source>Edited %1</source>
        <translation>Modifié le %1</translation>
    </message>
</context>
<context>
    <name>threadline::gui::WelcomeDialog</name>
    <message>
        <source>Welcome to Threadline</source>
        <translation>Bienvenue dans Threadline</translation>
    </message>
    <message>
        <source>&lt;h2&gt;Welcome to Threadline&lt;/h2&gt;&lt;p&gt;Every request also lives in Slack: each follower gets their own thread, and Threadline keeps the desk and all those threads in step. How do you want to start?&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Bienvenue dans Threadline&lt;/h2&gt;&lt;p&gt;Chaque demande vit aussi dans Slack : chaque abonné reçoit son propre fil, et Threadline garde le desk et tous ces fils synchronisés. Comment voulez-vous commencer ?&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Try it with a sandbox workspace</source>
        <translation>Essayer avec un espace de travail bac à sable</translation>
    </message>
    <message>
        <source>An emulated Slack workspace on this computer with three demo colleagues who answer in their threads. Nothing reaches real Slack.</source>
        <translation>Un espace de travail Slack émulé sur cet ordinateur, avec trois collègues de démonstration qui répondent dans leurs fils. Rien n’atteint le vrai Slack.</translation>
    </message>
    <message>
        <source>Connect to Slack</source>
        <translation>Se connecter à Slack</translation>
    </message>
    <message>
        <source>Use your own Slack app: you need its bot token and app-level token.</source>
        <translation>Utiliser votre propre application Slack : il vous faut son jeton bot et son jeton d’application.</translation>
    </message>
    <message>
        <source>Connect to a Threadline server</source>
        <translation>Se connecter à un serveur Threadline</translation>
    </message>
    <message>
        <source>Work on a desk that a threadlined server keeps, with its address and your agent token.</source>
        <translation>Travailler sur un desk tenu par un serveur threadlined, avec son adresse et votre jeton d’agent.</translation>
    </message>
    <message>
        <source>&amp;Later</source>
        <translation>Plus &amp;tard</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Connect to Slack&lt;/h3&gt;&lt;p&gt;Create a Slack app for your workspace at api.slack.com/apps, turn on Socket Mode and install it. Threadline needs:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;a &lt;b&gt;bot token&lt;/b&gt; (&lt;tt&gt;xoxb-…&lt;/tt&gt;) with the scopes &lt;tt&gt;chat:write&lt;/tt&gt;, &lt;tt&gt;im:write&lt;/tt&gt;, &lt;tt&gt;im:history&lt;/tt&gt;, &lt;tt&gt;users:read&lt;/tt&gt;, &lt;tt&gt;users:read.email&lt;/tt&gt;, &lt;tt&gt;files:read&lt;/tt&gt; and &lt;tt&gt;files:write&lt;/tt&gt;, to post and keep each follower&apos;s thread;&lt;/li&gt;&lt;li&gt;an &lt;b&gt;app-level token&lt;/b&gt; (&lt;tt&gt;xapp-…&lt;/tt&gt;) with &lt;tt&gt;connections:write&lt;/tt&gt;, to receive replies through Socket Mode without a public address.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The tokens are stored on this computer only and never shown again.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Se connecter à Slack&lt;/h3&gt;&lt;p&gt;Créez une application Slack pour votre espace de travail sur api.slack.com/apps, activez le Socket Mode et installez-la. Threadline a besoin :&lt;/p&gt;&lt;ul&gt;&lt;li&gt;d’un &lt;b&gt;jeton bot&lt;/b&gt; (&lt;tt&gt;xoxb-…&lt;/tt&gt;) avec les scopes &lt;tt&gt;chat:write&lt;/tt&gt;, &lt;tt&gt;im:write&lt;/tt&gt;, &lt;tt&gt;im:history&lt;/tt&gt;, &lt;tt&gt;users:read&lt;/tt&gt;, &lt;tt&gt;users:read.email&lt;/tt&gt;, &lt;tt&gt;files:read&lt;/tt&gt; et &lt;tt&gt;files:write&lt;/tt&gt;, pour publier et tenir le fil de chaque abonné ;&lt;/li&gt;&lt;li&gt;d’un &lt;b&gt;jeton d’application&lt;/b&gt; (&lt;tt&gt;xapp-…&lt;/tt&gt;) avec &lt;tt&gt;connections:write&lt;/tt&gt;, pour recevoir les réponses par le Socket Mode sans adresse publique.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Les jetons sont enregistrés sur cet ordinateur uniquement et ne sont plus jamais affichés.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Bot token</source>
        <translation>Jeton bot</translation>
    </message>
    <message>
        <source>App-level token</source>
        <translation>Jeton d’application</translation>
    </message>
    <message>
        <source>&amp;Bot token:</source>
        <translation>Jeton &amp;bot :</translation>
    </message>
    <message>
        <source>&amp;App-level token:</source>
        <translation>Jeton d’&amp;application :</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>Se &amp;connecter</translation>
    </message>
    <message>
        <source>The bot token starts with xoxb- and the app-level token with xapp-: copy them from your Slack app&apos;s settings.</source>
        <translation>Le jeton bot commence par xoxb- et le jeton d’application par xapp- : copiez-les depuis les réglages de votre application Slack.</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Connect to a Threadline server&lt;/h3&gt;&lt;p&gt;The address of the threadlined server and the agent token your administrator gave you.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Se connecter à un serveur Threadline&lt;/h3&gt;&lt;p&gt;L’adresse du serveur threadlined et le jeton d’agent fourni par votre administrateur.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>Adresse du serveur</translation>
    </message>
    <message>
        <source>Agent token</source>
        <translation>Jeton d’agent</translation>
    </message>
    <message>
        <source>Server &amp;address:</source>
        <translation>&amp;Adresse du serveur :</translation>
    </message>
    <message>
        <source>Agent &amp;token:</source>
        <translation>Jeton d’a&amp;gent :</translation>
    </message>
    <message>
        <source>Enter the server&apos;s http(s) address and your agent token.</source>
        <translation>Saisissez l’adresse http(s) du serveur et votre jeton d’agent.</translation>
    </message>
    <message>
        <source>Bac&amp;k</source>
        <translation>&amp;Retour</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connexion à %1…</translation>
    </message>
</context>
</TS>
