<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CollectTexts</name>
    <message>
        <source>pending</source>
        <translation>ausstehend</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>abgeschlossen</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>abgelaufen</translation>
    </message>
    <message>
        <source>collected</source>
        <translation>gesammelt</translation>
    </message>
    <message>
        <source>discarded</source>
        <translation>verworfen</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>verbunden</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>behalten</translation>
    </message>
    <message>
        <source>declined</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>abandoned</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>wird gesendet</translation>
    </message>
    <message>
        <source>delivered</source>
        <translation>zugestellt</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>key collected</source>
        <translation>Schlüssel gesammelt</translation>
    </message>
    <message>
        <source>new connection</source>
        <translation>neue Verbindung</translation>
    </message>
    <message>
        <source>status changed</source>
        <translation>Status geändert</translation>
    </message>
</context>
<context>
    <name>WindowCommand</name>
    <message>
        <source>Keystead</source>
        <translation>Keystead</translation>
    </message>
    <message>
        <source>Keystead cannot open its store.

%1</source>
        <translation>Keystead kann seinen Datenspeicher nicht öffnen.

%1</translation>
    </message>
    <message>
        <source>The HTTP endpoint did not start: %1</source>
        <translation>Der HTTP-Endpunkt wurde nicht gestartet: %1</translation>
    </message>
    <message>
        <source>Webhook delivery did not start: %1</source>
        <translation>Die Webhook-Zustellung wurde nicht gestartet: %1</translation>
    </message>
</context>
<context>
    <name>keystead::ui::AboutDialog</name>
    <message>
        <source>About Keystead</source>
        <translation>Über Keystead</translation>
    </message>
    <message>
        <source>Keystead %1</source>
        <translation>Keystead %1</translation>
    </message>
    <message>
        <source>A desktop console for SSH access: keys, certificates, connections and host keys.</source>
        <translation>Eine Desktop-Konsole für SSH-Zugänge: Schlüssel, Zertifikate, Verbindungen und Hostschlüssel.</translation>
    </message>
    <message>
        <source>Copy versions</source>
        <translation>Versionen kopieren</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CertificatesPanel</name>
    <message>
        <source>Certificates</source>
        <translation>Zertifikate</translation>
    </message>
    <message>
        <source>Certificate authorities that sign user and host certificates, revoke them and export KRLs and known_hosts files. This panel is being built.</source>
        <translation>Zertifizierungsstellen, die Benutzer- und Hostzertifikate signieren und widerrufen und KRLs sowie known_hosts-Dateien exportieren. Dieser Bereich ist im Aufbau.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CollectKeysModel</name>
    <message>
        <source>Connection from %1</source>
        <translation>Verbindung von %1</translation>
    </message>
    <message>
        <source>What the client says it is; the client chooses these words.</source>
        <translation>Wie sich der Client selbst nennt; diese Worte wählt der Client.</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 bis %2</translation>
    </message>
    <message>
        <source>%1 %2 bits</source>
        <translation>%1 %2 Bit</translation>
    </message>
    <message>
        <source>The user did not confirm: the key is kept as a record only.</source>
        <translation>Der Benutzer hat nicht bestätigt: Der Schlüssel wird nur als Nachweis aufbewahrt.</translation>
    </message>
    <message>
        <source>Connection / key</source>
        <translation>Verbindung / Schlüssel</translation>
    </message>
    <message>
        <source>Client / fingerprint</source>
        <translation>Client / Fingerabdruck</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CollectPanel</name>
    <message>
        <source>Collect sessions</source>
        <translation>Sammelsitzungen</translation>
    </message>
    <message>
        <source>Create a collect session, hand the user the ssh line it shows and watch the user&apos;s keys arrive, each one proven.</source>
        <translation>Legen Sie eine Sammelsitzung an, geben Sie dem Benutzer die angezeigte ssh-Zeile und sehen Sie zu, wie seine Schlüssel eintreffen, jeder mit Besitznachweis.</translation>
    </message>
    <message>
        <source>New…</source>
        <translation>Neu…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Complete</source>
        <translation>Abschließen</translation>
    </message>
    <message>
        <source>End the session: no further keys are collected</source>
        <translation>Die Sitzung beenden: Es werden keine weiteren Schlüssel gesammelt</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Löschen…</translation>
    </message>
    <message>
        <source>All sessions</source>
        <translation>Alle Sitzungen</translation>
    </message>
    <message>
        <source>Filter by identifier or external ID</source>
        <translation>Nach Kennung oder externer ID filtern</translation>
    </message>
    <message>
        <source>Select a session to complete.</source>
        <translation>Wählen Sie die Sitzung aus, die abgeschlossen werden soll.</translation>
    </message>
    <message>
        <source>Select a session to delete.</source>
        <translation>Wählen Sie die Sitzung aus, die gelöscht werden soll.</translation>
    </message>
    <message>
        <source>Delete the collect session &quot;%1&quot;?</source>
        <translation>Die Sammelsitzung „%1“ löschen?</translation>
    </message>
    <message>
        <source>Its connections (%1) and their keys are deleted with it.</source>
        <translation>Ihre Verbindungen (%1) und deren Schlüssel werden mit ihr gelöscht.</translation>
    </message>
    <message>
        <source>Users who run its ssh line afterwards are turned away.</source>
        <translation>Benutzer, die danach ihre ssh-Zeile ausführen, werden abgewiesen.</translation>
    </message>
    <message>
        <source>Delete collect session</source>
        <translation>Sammelsitzung löschen</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CollectSessionDetail</name>
    <message>
        <source>Hand this line to the user: running it collects their keys.</source>
        <translation>Geben Sie dem Benutzer diese Zeile: Wer sie ausführt, übergibt seine Schlüssel.</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the ssh line to the clipboard</source>
        <translation>Die ssh-Zeile in die Zwischenablage kopieren</translation>
    </message>
    <message>
        <source>The user runs:</source>
        <translation>Der Benutzer führt aus:</translation>
    </message>
    <message>
        <source>Copy key</source>
        <translation>Schlüssel kopieren</translation>
    </message>
    <message>
        <source>Copy the selected key as one authorized_keys line</source>
        <translation>Den ausgewählten Schlüssel als authorized_keys-Zeile kopieren</translation>
    </message>
    <message>
        <source>Save all as authorized_keys…</source>
        <translation>Alle als authorized_keys speichern…</translation>
    </message>
    <message>
        <source>Write every collected key (not the discarded ones) to a file</source>
        <translation>Jeden gesammelten Schlüssel (ohne die verworfenen) in eine Datei schreiben</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <source>Send the selected delivery once more, as a new delivery</source>
        <translation>Die ausgewählte Zustellung noch einmal senden, als neue Zustellung</translation>
    </message>
    <message>
        <source>Copy signing secret</source>
        <translation>Signaturgeheimnis kopieren</translation>
    </message>
    <message>
        <source>Copy the secret the receiver checks the X-Keystead-Signature header with (HMAC-SHA256)</source>
        <translation>Das Geheimnis kopieren, mit dem der Empfänger den X-Keystead-Signature-Header prüft (HMAC-SHA256)</translation>
    </message>
    <message>
        <source>external ID %1</source>
        <translation>externe ID %1</translation>
    </message>
    <message>
        <source>every key</source>
        <translation>alle Schlüssel</translation>
    </message>
    <message>
        <source>first key only</source>
        <translation>nur der erste Schlüssel</translation>
    </message>
    <message>
        <source>several connections</source>
        <translation>mehrere Verbindungen</translation>
    </message>
    <message>
        <source>asks to confirm</source>
        <translation>mit Bestätigung</translation>
    </message>
    <message>
        <source>expired %1</source>
        <translation>abgelaufen %1</translation>
    </message>
    <message>
        <source>expires %1</source>
        <translation>läuft ab %1</translation>
    </message>
    <message>
        <source>The collect server is listening on %1.</source>
        <translation>Der Sammelserver lauscht auf %1.</translation>
    </message>
    <message>
        <source>The collect server is stopped: start it from the toolbar before users connect.</source>
        <translation>Der Sammelserver ist gestoppt: Starten Sie ihn über die Werkzeugleiste, bevor sich Benutzer verbinden.</translation>
    </message>
    <message>
        <source>The collect server failed to start: %1</source>
        <translation>Der Sammelserver konnte nicht starten: %1</translation>
    </message>
    <message>
        <source>Its host key fingerprints show here once it has started.</source>
        <translation>Die Fingerabdrücke seiner Hostschlüssel erscheinen hier, sobald er gestartet ist.</translation>
    </message>
    <message>
        <source>A user&apos;s client shows one of these host keys the first time:</source>
        <translation>Beim ersten Mal zeigt der Client eines Benutzers einen dieser Hostschlüssel:</translation>
    </message>
    <message>
        <source>If the client shows another fingerprint, someone is between the user and this server: the user should stop.</source>
        <translation>Zeigt der Client einen anderen Fingerabdruck, sitzt jemand zwischen dem Benutzer und diesem Server: Der Benutzer sollte abbrechen.</translation>
    </message>
    <message>
        <source>This session has no collected key to save.</source>
        <translation>Diese Sitzung hat keinen gesammelten Schlüssel zum Speichern.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Save collected keys</source>
        <translation>Gesammelte Schlüssel speichern</translation>
    </message>
    <message>
        <source>authorized_keys files (*authorized_keys*);;All files (*)</source>
        <translation>authorized_keys-Dateien (*authorized_keys*);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Select a delivery to send again.</source>
        <translation>Wählen Sie die Zustellung aus, die erneut gesendet werden soll.</translation>
    </message>
    <message>
        <source>Select a delivery of the webhook whose secret you need.</source>
        <translation>Wählen Sie eine Zustellung des Webhooks aus, dessen Geheimnis Sie brauchen.</translation>
    </message>
    <message>
        <source>The signing key cannot be used, so there is no secret to show.</source>
        <translation>Der Signaturschlüssel ist nicht verwendbar, daher gibt es kein Geheimnis anzuzeigen.</translation>
    </message>
    <message>
        <source>Connections and keys (%1)</source>
        <translation>Verbindungen und Schlüssel (%1)</translation>
    </message>
    <message>
        <source>Webhook deliveries (%1)</source>
        <translation>Webhook-Zustellungen (%1)</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CollectSessionDialog</name>
    <message>
        <source>seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>Minuten</translation>
    </message>
    <message>
        <source>hours</source>
        <translation>Stunden</translation>
    </message>
    <message>
        <source>days</source>
        <translation>Tage</translation>
    </message>
    <message>
        <source>New collect session</source>
        <translation>Neue Sammelsitzung</translation>
    </message>
    <message>
        <source>Edit collect session %1</source>
        <translation>Sammelsitzung %1 bearbeiten</translation>
    </message>
    <message>
        <source>The identifier cannot change: users may have the ssh line already.</source>
        <translation>Die Kennung lässt sich nicht ändern: Benutzer haben die ssh-Zeile womöglich schon.</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>Sitzung</translation>
    </message>
    <message>
        <source>Webhooks</source>
        <translation>Webhooks</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>Anlegen</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>made up: %1 letters and digits</source>
        <translation>erzeugt: %1 Buchstaben und Ziffern</translation>
    </message>
    <message>
        <source>The user name in the ssh line. Leave it empty for a random one nobody can guess.</source>
        <translation>Der Benutzername in der ssh-Zeile. Leer lassen für einen zufälligen, den niemand erraten kann.</translation>
    </message>
    <message>
        <source>optional: a ticket, an employee number…</source>
        <translation>optional: ein Ticket, eine Personalnummer…</translation>
    </message>
    <message>
        <source>Collect every key the client offers, not just the first</source>
        <translation>Jeden Schlüssel sammeln, den der Client anbietet, nicht nur den ersten</translation>
    </message>
    <message>
        <source>Keep collecting after the first connection, until completed by hand</source>
        <translation>Nach der ersten Verbindung weiter sammeln, bis von Hand abgeschlossen</translation>
    </message>
    <message>
        <source>Ask the user to confirm by pressing y</source>
        <translation>Den Benutzer mit der Taste y bestätigen lassen</translation>
    </message>
    <message>
        <source>Shown before the keys are collected</source>
        <translation>Wird angezeigt, bevor die Schlüssel gesammelt werden</translation>
    </message>
    <message>
        <source>Shown when the keys are collected, before the connection closes</source>
        <translation>Wird angezeigt, wenn die Schlüssel gesammelt sind, bevor die Verbindung endet</translation>
    </message>
    <message>
        <source>Never (until completed or deleted)</source>
        <translation>Nie (bis abgeschlossen oder gelöscht)</translation>
    </message>
    <message>
        <source>After</source>
        <translation>Nach</translation>
    </message>
    <message>
        <source>At</source>
        <translation>Am</translation>
    </message>
    <message>
        <source>from the session&apos;s creation</source>
        <translation>ab Anlage der Sitzung</translation>
    </message>
    <message>
        <source>Connection identifier:</source>
        <translation>Verbindungskennung:</translation>
    </message>
    <message>
        <source>External ID:</source>
        <translation>Externe ID:</translation>
    </message>
    <message>
        <source>Collecting:</source>
        <translation>Sammeln:</translation>
    </message>
    <message>
        <source>Banner:</source>
        <translation>Banner:</translation>
    </message>
    <message>
        <source>Closing message:</source>
        <translation>Abschlussmeldung:</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>Läuft ab:</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Key collected</source>
        <translation>Schlüssel gesammelt</translation>
    </message>
    <message>
        <source>New connection</source>
        <translation>Neue Verbindung</translation>
    </message>
    <message>
        <source>Status changed</source>
        <translation>Status geändert</translation>
    </message>
    <message>
        <source>None ticked: every event.</source>
        <translation>Keines angekreuzt: jedes Ereignis.</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>Header</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Add header</source>
        <translation>Header hinzufügen</translation>
    </message>
    <message>
        <source>Remove header</source>
        <translation>Header entfernen</translation>
    </message>
    <message>
        <source>Values of credential headers (Authorization, tokens, secrets) are not shown again; leave %1 to keep them.</source>
        <translation>Werte von Zugangsdaten-Headern (Authorization, Tokens, Geheimnisse) werden nicht wieder angezeigt; lassen Sie %1 stehen, um sie zu behalten.</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>URL:</source>
        <translation>URL:</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>Methode:</translation>
    </message>
    <message>
        <source>Events:</source>
        <translation>Ereignisse:</translation>
    </message>
    <message>
        <source>Headers:</source>
        <translation>Header:</translation>
    </message>
    <message>
        <source>Retries:</source>
        <translation>Wiederholungen:</translation>
    </message>
    <message>
        <source>First retry after:</source>
        <translation>Erste Wiederholung nach:</translation>
    </message>
    <message>
        <source>Backoff multiplier:</source>
        <translation>Backoff-Faktor:</translation>
    </message>
    <message>
        <source>A failed delivery is sent again up to &quot;Retries&quot; times; retry k waits &quot;First retry after&quot; × multiplier^(k−1). Every body is signed in the %1 header.</source>
        <translation>Eine fehlgeschlagene Zustellung wird bis zu „Wiederholungen“-mal erneut gesendet; Wiederholung k wartet „Erste Wiederholung nach“ × Faktor^(k−1). Jeder Inhalt wird im Header %1 signiert.</translation>
    </message>
    <message>
        <source>Keystead calls these URLs when keys arrive, a user connects or the status changes, with the session as JSON.</source>
        <translation>Keystead ruft diese URLs auf, wenn Schlüssel eintreffen, ein Benutzer sich verbindet oder sich der Status ändert, mit der Sitzung als JSON.</translation>
    </message>
    <message>
        <source>(new webhook)</source>
        <translation>(neuer Webhook)</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CollectSessionsModel</name>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>The session stays open until it is completed or deleted.</source>
        <translation>Die Sitzung bleibt offen, bis sie abgeschlossen oder gelöscht wird.</translation>
    </message>
    <message>
        <source>%1 (timeout: %2 s from creation)</source>
        <translation>%1 (Zeitlimit: %2 s ab Anlage)</translation>
    </message>
    <message>
        <source>Discarded keys: %1</source>
        <translation>Verworfene Schlüssel: %1</translation>
    </message>
    <message>
        <source>Completed on %1</source>
        <translation>Abgeschlossen am %1</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Connection identifier</source>
        <translation>Verbindungskennung</translation>
    </message>
    <message>
        <source>External ID</source>
        <translation>Externe ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
</context>
<context>
    <name>keystead::ui::ConnectionsPanel</name>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Every SSH connection to this console&apos;s own server, live: search, tag, disconnect, download audit trails. This panel is being built.</source>
        <translation>Jede SSH-Verbindung zum eigenen Server dieser Konsole, live: suchen, markieren, trennen, Audit-Protokolle herunterladen. Dieser Bereich ist im Aufbau.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::HostKeysPanel</name>
    <message>
        <source>Host keys</source>
        <translation>Hostschlüssel</translation>
    </message>
    <message>
        <source>Trusted host keys of your servers, and the algorithms, banners and timeouts of this console&apos;s SSH server. This panel is being built.</source>
        <translation>Vertrauenswürdige Hostschlüssel Ihrer Server sowie Algorithmen, Banner und Zeitlimits des SSH-Servers dieser Konsole. Dieser Bereich ist im Aufbau.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::KeysPanel</name>
    <message>
        <source>Keys</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>An inventory of SSH key pairs with their devices and tags, private keys and passwords sealed in a vault. This panel is being built.</source>
        <translation>Ein Verzeichnis der SSH-Schlüsselpaare mit ihren Geräten und Tags; private Schlüssel und Passwörter liegen versiegelt in einem Tresor. Dieser Bereich ist im Aufbau.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::MainWindow</name>
    <message>
        <source>Keystead</source>
        <translation>Keystead</translation>
    </message>
    <message>
        <source>Collect sessions</source>
        <translation>Sammelsitzungen</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>Zertifikate</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Host keys</source>
        <translation>Hostschlüssel</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Hauptleiste</translation>
    </message>
    <message>
        <source>Start collect server</source>
        <translation>Sammelserver starten</translation>
    </message>
    <message>
        <source>About Keystead</source>
        <translation>Über Keystead</translation>
    </message>
    <message>
        <source>Collect server: stopped</source>
        <translation>Sammelserver: gestoppt</translation>
    </message>
    <message>
        <source>HTTP API: off</source>
        <translation>HTTP-API: aus</translation>
    </message>
    <message>
        <source>Turn the HTTP endpoint on in Settings.</source>
        <translation>Schalten Sie den HTTP-Endpunkt in den Einstellungen ein.</translation>
    </message>
    <message>
        <source>HTTP API: %1</source>
        <translation>HTTP-API: %1</translation>
    </message>
    <message>
        <source>HTTP API: failed – %1</source>
        <translation>HTTP-API: fehlgeschlagen – %1</translation>
    </message>
    <message>
        <source>Stop collect server</source>
        <translation>Sammelserver stoppen</translation>
    </message>
    <message>
        <source>Collect server: failed – %1</source>
        <translation>Sammelserver: fehlgeschlagen – %1</translation>
    </message>
    <message>
        <source>Collect server: listening on %1</source>
        <translation>Sammelserver: lauscht auf %1</translation>
    </message>
    <message>
        <source>Stop the SSH server users connect to; open connections end.</source>
        <translation>Den SSH-Server stoppen, mit dem sich Benutzer verbinden; offene Verbindungen enden.</translation>
    </message>
    <message>
        <source>Start the SSH server users connect to (the address is in Settings).</source>
        <translation>Den SSH-Server starten, mit dem sich Benutzer verbinden (die Adresse steht in den Einstellungen).</translation>
    </message>
    <message>
        <source>Key collected</source>
        <translation>Schlüssel gesammelt</translation>
    </message>
    <message>
        <source>%1 key %2 from %3, session %4</source>
        <translation>%1-Schlüssel %2 von %3, Sitzung %4</translation>
    </message>
</context>
<context>
    <name>keystead::ui::SettingsPanel</name>
    <message>
        <source>HTTP endpoint</source>
        <translation>HTTP-Endpunkt</translation>
    </message>
    <message>
        <source>Run the HTTP endpoint in this window</source>
        <translation>HTTP-Endpunkt in diesem Fenster betreiben</translation>
    </message>
    <message>
        <source>none: plain HTTP</source>
        <translation>keine: unverschlüsseltes HTTP</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Auswählen…</translation>
    </message>
    <message>
        <source>Listen address:</source>
        <translation>Listen-Adresse:</translation>
    </message>
    <message>
        <source>TLS certificate:</source>
        <translation>TLS-Zertifikat:</translation>
    </message>
    <message>
        <source>TLS certificate (PEM)</source>
        <translation>TLS-Zertifikat (PEM)</translation>
    </message>
    <message>
        <source>TLS key:</source>
        <translation>TLS-Schlüssel:</translation>
    </message>
    <message>
        <source>TLS private key (PEM)</source>
        <translation>Privater TLS-Schlüssel (PEM)</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>Scripts and other tools reach the same operations as this window over HTTP, for as long as the window is open.</source>
        <translation>Skripte und andere Werkzeuge erreichen über HTTP dieselben Funktionen wie dieses Fenster, solange es geöffnet ist.</translation>
    </message>
    <message>
        <source>API tokens</source>
        <translation>API-Token</translation>
    </message>
    <message>
        <source>New token…</source>
        <translation>Neues Token…</translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation>Widerrufen…</translation>
    </message>
    <message>
        <source>Scripts authenticate with a token, sent as &quot;Authorization: Bearer &lt;token&gt;&quot;. Keystead stores only a hash: a token&apos;s secret is shown once, when it is made.</source>
        <translation>Skripte melden sich mit einem Token an, gesendet als „Authorization: Bearer &lt;token&gt;“. Keystead speichert nur einen Hash: Das Geheimnis eines Tokens wird nur einmal angezeigt, wenn es erstellt wird.</translation>
    </message>
    <message>
        <source>Running at %1</source>
        <translation>Läuft unter %1</translation>
    </message>
    <message>
        <source>Not running</source>
        <translation>Läuft nicht</translation>
    </message>
    <message>
        <source>Failed to start: %1</source>
        <translation>Start fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Select a token to revoke.</source>
        <translation>Wählen Sie das Token aus, das widerrufen werden soll.</translation>
    </message>
    <message>
        <source>New API token</source>
        <translation>Neues API-Token</translation>
    </message>
    <message>
        <source>Name of the token, e.g. who or what uses it:</source>
        <translation>Name des Tokens, z. B. wer oder was es verwendet:</translation>
    </message>
    <message>
        <source>Revoke token</source>
        <translation>Token widerrufen</translation>
    </message>
    <message>
        <source>Revoke the token &quot;%1&quot;? Every script that uses it is refused from now on. This cannot be undone.</source>
        <translation>Das Token „%1“ widerrufen? Jedes Skript, das es verwendet, wird ab sofort abgewiesen. Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>PEM files (*.pem *.crt *.cer *.key);;All files (*)</source>
        <translation>PEM-Dateien (*.pem *.crt *.cer *.key);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>The address is HOST:PORT; port 0 picks a free port. An address other than 127.0.0.1 opens the API to your network: give it a TLS certificate and key then.</source>
        <translation>Die Adresse hat die Form HOST:PORT; Port 0 wählt einen freien Port. Eine andere Adresse als 127.0.0.1 öffnet die API für Ihr Netzwerk: Geben Sie dann ein TLS-Zertifikat und einen Schlüssel an.</translation>
    </message>
    <message>
        <source>Collect server</source>
        <translation>Sammelserver</translation>
    </message>
    <message>
        <source>Show a desktop notification when a key is collected</source>
        <translation>Eine Desktop-Benachrichtigung zeigen, wenn ein Schlüssel gesammelt wird</translation>
    </message>
    <message>
        <source>Collect server listen address:</source>
        <translation>Listen-Adresse des Sammelservers:</translation>
    </message>
    <message>
        <source>Users run ssh against this HOST:PORT; the toolbar starts and stops the server. 127.0.0.1 lets in this machine only; 0.0.0.0:2222 opens it to your network.</source>
        <translation>Benutzer verbinden sich mit ssh zu diesem HOST:PORT; die Werkzeugleiste startet und stoppt den Server. 127.0.0.1 lässt nur diesen Rechner zu; 0.0.0.0:2222 öffnet ihn für Ihr Netzwerk.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::TokenSecretDialog</name>
    <message>
        <source>New API token</source>
        <translation>Neues API-Token</translation>
    </message>
    <message>
        <source>Token &quot;%1&quot; is ready.</source>
        <translation>Das Token „%1“ ist bereit.</translation>
    </message>
    <message>
        <source>Copy the secret now: it is shown only once. Keystead keeps only a hash of it and cannot show it again; if it is lost, revoke the token and make a new one.</source>
        <translation>Kopieren Sie das Geheimnis jetzt: Es wird nur dieses eine Mal angezeigt. Keystead speichert nur einen Hash davon und kann es nicht erneut anzeigen; geht es verloren, widerrufen Sie das Token und erstellen Sie ein neues.</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Scripts send it as &lt;tt&gt;Authorization: Bearer &amp;lt;secret&amp;gt;&lt;/tt&gt;.</source>
        <translation>Skripte senden es als &lt;tt&gt;Authorization: Bearer &amp;lt;Geheimnis&amp;gt;&lt;/tt&gt;.</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
</context>
<context>
    <name>keystead::ui::TokensModel</name>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>widerrufen</translation>
    </message>
    <message>
        <source>Revoked on %1</source>
        <translation>Widerrufen am %1</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Zuletzt verwendet</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>keystead::ui::WebhookDeliveriesModel</name>
    <message>
        <source>%1 (sent again)</source>
        <translation>%1 (erneut gesendet)</translation>
    </message>
    <message>
        <source>(webhook deleted)</source>
        <translation>(Webhook gelöscht)</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>keine Antwort</translation>
    </message>
    <message>
        <source>Next attempt: %1</source>
        <translation>Nächster Versuch: %1</translation>
    </message>
    <message>
        <source>Triggered %1</source>
        <translation>Ausgelöst %1</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Webhook</source>
        <translation>Webhook</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Last answer</source>
        <translation>Letzte Antwort</translation>
    </message>
    <message>
        <source>Last attempt</source>
        <translation>Letzter Versuch</translation>
    </message>
</context>
</TS>
