<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
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
    <name>keystead::ui::CollectPanel</name>
    <message>
        <source>Collect sessions</source>
        <translation>Sammelsitzungen</translation>
    </message>
    <message>
        <source>Create a collect session, hand the user the ssh line it shows and watch the user&apos;s keys arrive, each one proven. This panel is being built.</source>
        <translation>Legen Sie eine Sammelsitzung an, geben Sie dem Benutzer die angezeigte ssh-Zeile und sehen Sie zu, wie seine Schlüssel eintreffen, jeder mit Besitznachweis. Dieser Bereich ist im Aufbau.</translation>
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
        <source>The collect server arrives with collect sessions.</source>
        <translation>Der Sammelserver kommt zusammen mit den Sammelsitzungen.</translation>
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
</TS>
