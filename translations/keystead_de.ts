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
    <name>KeyTexts</name>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>%1 is larger than any key file (%2 bytes).</source>
        <translation>%1 ist größer als jede Schlüsseldatei (%2 Bytes).</translation>
    </message>
    <message>
        <source>Ed25519</source>
        <translation>Ed25519</translation>
    </message>
    <message>
        <source>ECDSA P-256</source>
        <translation>ECDSA P-256</translation>
    </message>
    <message>
        <source>ECDSA P-384</source>
        <translation>ECDSA P-384</translation>
    </message>
    <message>
        <source>ECDSA P-521</source>
        <translation>ECDSA P-521</translation>
    </message>
    <message>
        <source>RSA 3072</source>
        <translation>RSA 3072</translation>
    </message>
    <message>
        <source>RSA 4096</source>
        <translation>RSA 4096</translation>
    </message>
</context>
<context>
    <name>TokensModel</name>
    <message>
        <source>read</source>
        <translation>lesen</translation>
    </message>
    <message>
        <source>write</source>
        <translation>schreiben</translation>
    </message>
    <message>
        <source>reveal secrets</source>
        <translation>Geheimnisse offenlegen</translation>
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
    <name>keystead::ui::ActivityChart</name>
    <message>
        <source>Connections and collected keys over time</source>
        <translation>Verbindungen und gesammelte Schlüssel im Zeitverlauf</translation>
    </message>
    <message>
        <source>%1 connections and %2 keys collected in %3 periods</source>
        <translation>%1 Verbindungen und %2 gesammelte Schlüssel in %3 Zeitabschnitten</translation>
    </message>
    <message>
        <source>%1 – %2</source>
        <translation>%1 – %2</translation>
    </message>
    <message>
        <source>%1
Connections: %2
Keys collected: %3</source>
        <translation>%1
Verbindungen: %2
Gesammelte Schlüssel: %3</translation>
    </message>
    <message>
        <source>Keys collected</source>
        <translation>Gesammelte Schlüssel</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>No activity to show</source>
        <translation>Keine Aktivität in diesem Zeitraum</translation>
    </message>
</context>
<context>
    <name>keystead::ui::AuthorizedKeysDialog</name>
    <message>
        <source>Export authorized_keys</source>
        <translation>authorized_keys exportieren</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter…</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <source>No device is known yet: keys name their devices when they are added.</source>
        <translation>Noch ist kein Gerät bekannt: Schlüssel nennen ihre Geräte, wenn sie hinzugefügt werden.</translation>
    </message>
    <message>
        <source>No enabled key opens %1.</source>
        <translation>Kein aktivierter Schlüssel öffnet %1.</translation>
    </message>
    <message>
        <source>Enabled keys that open %1: %2. These lines go into ~/.ssh/authorized_keys of the user on that device.</source>
        <translation>Aktivierte Schlüssel, die %1 öffnen: %2. Diese Zeilen gehören in ~/.ssh/authorized_keys des Benutzers auf diesem Gerät.</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Save authorized_keys</source>
        <translation>authorized_keys speichern</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
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
    <message>
        <source>Add to key inventory</source>
        <translation>Zum Schlüsselbestand hinzufügen</translation>
    </message>
    <message>
        <source>Add every collected key to the Keys panel, public key only; keys it has already are skipped</source>
        <translation>Jeden gesammelten Schlüssel in den Bereich „Schlüssel“ übernehmen, nur den öffentlichen Schlüssel; bereits vorhandene werden übersprungen</translation>
    </message>
    <message>
        <source>This session has no collected key to add.</source>
        <translation>Diese Sitzung hat keinen gesammelten Schlüssel zum Hinzufügen.</translation>
    </message>
    <message>
        <source>The key inventory has every key of this session already (%1).</source>
        <translation>Der Schlüsselbestand enthält bereits jeden Schlüssel dieser Sitzung (%1).</translation>
    </message>
    <message>
        <source>Added to the key inventory: %1, public key only.</source>
        <translation>Zum Schlüsselbestand hinzugefügt: %1, nur öffentlicher Schlüssel.</translation>
    </message>
    <message>
        <source>Added to the key inventory: %1, public key only; already there: %2.</source>
        <translation>Zum Schlüsselbestand hinzugefügt: %1, nur öffentlicher Schlüssel; bereits vorhanden: %2.</translation>
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
    <name>keystead::ui::ConnectionDetail</name>
    <message>
        <source>Verify trail</source>
        <translation>Protokoll prüfen</translation>
    </message>
    <message>
        <source>Check every record of the trail against its hash and the one before it</source>
        <translation>Jeden Eintrag des Protokolls gegen seinen Hash und den des vorigen prüfen</translation>
    </message>
    <message>
        <source>Export trail…</source>
        <translation>Protokoll exportieren…</translation>
    </message>
    <message>
        <source>Save the trail of the channel shown as JSON lines, as the HTTP download serves it</source>
        <translation>Das Protokoll des angezeigten Kanals als JSON-Zeilen speichern, wie der HTTP-Download es liefert</translation>
    </message>
    <message>
        <source>Disconnect…</source>
        <translation>Trennen…</translation>
    </message>
    <message>
        <source>End this live connection; the trail records that you did</source>
        <translation>Diese laufende Verbindung beenden; das Protokoll hält fest, dass Sie es waren</translation>
    </message>
    <message>
        <source>Comma separated, e.g. audit, contractor</source>
        <translation>Durch Kommas getrennt, z. B. audit, extern</translation>
    </message>
    <message>
        <source>Save tags</source>
        <translation>Tags speichern</translation>
    </message>
    <message>
        <source>Replace the connection&apos;s tags with these</source>
        <translation>Die Tags der Verbindung durch diese ersetzen</translation>
    </message>
    <message>
        <source>Tags:</source>
        <translation>Tags:</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Collect session:</source>
        <translation>Sammelsitzung:</translation>
    </message>
    <message>
        <source>Remote address:</source>
        <translation>Gegenstelle:</translation>
    </message>
    <message>
        <source>Client:</source>
        <translation>Client:</translation>
    </message>
    <message>
        <source>Authentication:</source>
        <translation>Anmeldung:</translation>
    </message>
    <message>
        <source>Connected:</source>
        <translation>Verbunden:</translation>
    </message>
    <message>
        <source>Disconnected:</source>
        <translation>Getrennt:</translation>
    </message>
    <message>
        <source>Duration:</source>
        <translation>Dauer:</translation>
    </message>
    <message>
        <source>Last activity:</source>
        <translation>Letzte Aktivität:</translation>
    </message>
    <message>
        <source>Traffic:</source>
        <translation>Datenmenge:</translation>
    </message>
    <message>
        <source>Channels:</source>
        <translation>Kanäle:</translation>
    </message>
    <message>
        <source>Connection ID:</source>
        <translation>Verbindungs-ID:</translation>
    </message>
    <message>
        <source>Served by:</source>
        <translation>Bedient von:</translation>
    </message>
    <message>
        <source>The channel the timeline, the terminal and the export show</source>
        <translation>Der Kanal, den Zeitleiste, Terminal und Export zeigen</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kanal</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>Was geschah</translation>
    </message>
    <message>
        <source>Nothing was written to the terminal.</source>
        <translation>Ins Terminal wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Zeitleiste</translation>
    </message>
    <message>
        <source>Terminal</source>
        <translation>Terminal</translation>
    </message>
    <message>
        <source>%1 from %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>not audited</source>
        <translation>nicht protokolliert</translation>
    </message>
    <message>
        <source>disconnected by an operator at %1</source>
        <translation>um %1 von einem Operator getrennt</translation>
    </message>
    <message>
        <source>(not authenticated)</source>
        <translation>(nicht angemeldet)</translation>
    </message>
    <message>
        <source>none matched</source>
        <translation>keine passende</translation>
    </message>
    <message>
        <source>still connected</source>
        <translation>noch verbunden</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 in · %2 out</source>
        <translation>%1 empfangen · %2 gesendet</translation>
    </message>
    <message>
        <source>%L1 bytes from the client, %L2 bytes to it</source>
        <translation>%L1 Bytes vom Client, %L2 Bytes an ihn</translation>
    </message>
    <message>
        <source>#%1 %2: %3 in, %4 out</source>
        <translation>#%1 %2: %3 empfangen, %4 gesendet</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>All channels</source>
        <translation>Alle Kanäle</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Verbindung</translation>
    </message>
    <message>
        <source>Channel %1</source>
        <translation>Kanal %1</translation>
    </message>
    <message>
        <source>Channel %1 (%2)</source>
        <translation>Kanal %1 (%2)</translation>
    </message>
    <message>
        <source>%1, record %2</source>
        <translation>%1, Eintrag %2</translation>
    </message>
    <message>
        <source>Timeline (%1)</source>
        <translation>Zeitleiste (%1)</translation>
    </message>
    <message>
        <source>Select a connection to tag.</source>
        <translation>Wählen Sie die Verbindung aus, die Tags erhalten soll.</translation>
    </message>
    <message>
        <source>Select a connection whose trail to verify.</source>
        <translation>Wählen Sie die Verbindung aus, deren Protokoll geprüft werden soll.</translation>
    </message>
    <message>
        <source>✔ Trail intact: 1 record, its hash checked.</source>
        <translation>✔ Protokoll unversehrt: 1 Eintrag, sein Hash geprüft.</translation>
    </message>
    <message>
        <source>✔ Trail intact: %L1 records, every hash and every link checked.</source>
        <translation>✔ Protokoll unversehrt: %L1 Einträge, jeder Hash und jede Verkettung geprüft.</translation>
    </message>
    <message>
        <source>✘ TRAIL BROKEN at record %1: it was changed or removed after it was written.</source>
        <translation>✘ PROTOKOLL VERLETZT bei Eintrag %1: Er wurde nach dem Schreiben geändert oder entfernt.</translation>
    </message>
    <message>
        <source>Select a connection whose trail to export.</source>
        <translation>Wählen Sie die Verbindung aus, deren Protokoll exportiert werden soll.</translation>
    </message>
    <message>
        <source>This connection&apos;s trail is empty: there is nothing to export.</source>
        <translation>Das Protokoll dieser Verbindung ist leer: Es gibt nichts zu exportieren.</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>%1 konnte nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Export trail</source>
        <translation>Protokoll exportieren</translation>
    </message>
    <message>
        <source>JSON lines (*.jsonl);;All files (*)</source>
        <translation>JSON-Zeilen (*.jsonl);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Select a connection to disconnect.</source>
        <translation>Wählen Sie die Verbindung aus, die getrennt werden soll.</translation>
    </message>
    <message>
        <source>Disconnect</source>
        <translation>Trennen</translation>
    </message>
    <message>
        <source>End the connection of %1 now? The client is cut off at once, and the trail records that you did.</source>
        <translation>Die Verbindung von %1 jetzt beenden? Der Client wird sofort getrennt, und das Protokoll hält fest, dass Sie es waren.</translation>
    </message>
    <message>
        <source>proven</source>
        <translation>nachgewiesen</translation>
    </message>
    <message>
        <source>not proven</source>
        <translation>nicht nachgewiesen</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>keystead::ui::ConnectionsModel</name>
    <message>
        <source>Disconnected %1: %2</source>
        <translation>Getrennt %1: %2</translation>
    </message>
    <message>
        <source>The client has not authenticated</source>
        <translation>Der Client hat sich nicht angemeldet</translation>
    </message>
    <message>
        <source>No collect session matched</source>
        <translation>Keine Sammelsitzung passte</translation>
    </message>
    <message>
        <source>Collect session %1</source>
        <translation>Sammelsitzung %1</translation>
    </message>
    <message>
        <source>Last activity %1</source>
        <translation>Letzte Aktivität %1</translation>
    </message>
    <message>
        <source>%L1 bytes from the client</source>
        <translation>%L1 Bytes vom Client</translation>
    </message>
    <message>
        <source>%L1 bytes to the client</source>
        <translation>%L1 Bytes an den Client</translation>
    </message>
    <message>
        <source>The list cannot be sorted by this column</source>
        <translation>Nach dieser Spalte kann die Liste nicht sortiert werden</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Remote address</source>
        <translation>Gegenstelle</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Bytes in</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Bytes out</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>verbunden</translation>
    </message>
    <message>
        <source>disconnected</source>
        <translation>getrennt</translation>
    </message>
    <message>
        <source>%1 d %2</source>
        <translation>%1 T %2</translation>
    </message>
</context>
<context>
    <name>keystead::ui::ConnectionsPanel</name>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Every SSH connection to this console&apos;s own server, live and past. Select one to see what happened in it, tag it, verify its trail or end it.</source>
        <translation>Jede SSH-Verbindung zum eigenen Server dieser Konsole, laufend und vergangen. Wählen Sie eine aus, um zu sehen, was in ihr geschah, sie zu taggen, ihr Protokoll zu prüfen oder sie zu beenden.</translation>
    </message>
    <message>
        <source>Search user, address, tags, client…</source>
        <translation>Benutzer, Adresse, Tags, Client suchen…</translation>
    </message>
    <message>
        <source>Words separated by spaces or commas; a connection matches when it contains every one</source>
        <translation>Wörter durch Leerzeichen oder Kommas getrennt; eine Verbindung passt, wenn sie jedes davon enthält</translation>
    </message>
    <message>
        <source>All connections</source>
        <translation>Alle Verbindungen</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation>Getrennt</translation>
    </message>
    <message>
        <source>disconnected</source>
        <translation>getrennt</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>Aktivität</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>1 connection</source>
        <translation>1 Verbindung</translation>
    </message>
    <message>
        <source>%L1 connections</source>
        <translation>%L1 Verbindungen</translation>
    </message>
</context>
<context>
    <name>keystead::ui::GenerateKeyDialog</name>
    <message>
        <source>Generate SSH key pair</source>
        <translation>SSH-Schlüsselpaar erzeugen</translation>
    </message>
    <message>
        <source>Ed25519 is short and fast; choose RSA only for systems that take nothing else.</source>
        <translation>Ed25519 ist kurz und schnell; wählen Sie RSA nur für Systeme, die nichts anderes akzeptieren.</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>generated when empty</source>
        <translation>wird erzeugt, wenn leer</translation>
    </message>
    <message>
        <source>the main device&apos;s name</source>
        <translation>Name des Hauptgeräts</translation>
    </message>
    <message>
        <source>the main device&apos;s address</source>
        <translation>Adresse des Hauptgeräts</translation>
    </message>
    <message>
        <source>host-a, host-b</source>
        <translation>host-a, host-b</translation>
    </message>
    <message>
        <source>Further devices the key opens, by hostname, separated by commas</source>
        <translation>Weitere Geräte, die der Schlüssel öffnet, als Hostnamen durch Kommas getrennt</translation>
    </message>
    <message>
        <source>production, deploy</source>
        <translation>produktion, deploy</translation>
    </message>
    <message>
        <source>With a passphrase the private key is stored encrypted, as ssh-keygen -N writes it; the passphrase is sealed in the vault beside it.</source>
        <translation>Mit einer Passphrase wird der private Schlüssel verschlüsselt gespeichert, wie ssh-keygen -N ihn schreibt; die Passphrase wird daneben im Tresor versiegelt.</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>Typ:</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>Passphrase:</translation>
    </message>
    <message>
        <source>Passphrase again:</source>
        <translation>Passphrase wiederholen:</translation>
    </message>
    <message>
        <source>Identifier:</source>
        <translation>Kennung:</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Hostname:</source>
        <translation>Hostname:</translation>
    </message>
    <message>
        <source>IP address:</source>
        <translation>IP-Adresse:</translation>
    </message>
    <message>
        <source>Additional devices:</source>
        <translation>Weitere Geräte:</translation>
    </message>
    <message>
        <source>Tags:</source>
        <translation>Tags:</translation>
    </message>
    <message>
        <source>Generate and save</source>
        <translation>Erzeugen und speichern</translation>
    </message>
    <message>
        <source>The two passphrases differ. Type the same passphrase twice, or leave both empty.</source>
        <translation>Die beiden Passphrasen stimmen nicht überein. Geben Sie zweimal dieselbe Passphrase ein oder lassen Sie beide Felder leer.</translation>
    </message>
    <message>
        <source>Enter the hostname and IP address of the device the key opens.</source>
        <translation>Geben Sie Hostname und IP-Adresse des Geräts ein, das der Schlüssel öffnet.</translation>
    </message>
    <message>
        <source>A key with the identifier &quot;%1&quot; exists already: choose another identifier.</source>
        <translation>Ein Schlüssel mit der Kennung „%1“ existiert bereits: Wählen Sie eine andere Kennung.</translation>
    </message>
    <message>
        <source>The key pair was not made.</source>
        <translation>Das Schlüsselpaar wurde nicht erzeugt.</translation>
    </message>
    <message>
        <source>Generating a %1 key pair…</source>
        <translation>%1-Schlüsselpaar wird erzeugt…</translation>
    </message>
    <message>
        <source>The key pair could not be made: %1</source>
        <translation>Das Schlüsselpaar konnte nicht erzeugt werden: %1</translation>
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
    <name>keystead::ui::KeyEditDialog</name>
    <message>
        <source>Add SSH key</source>
        <translation>SSH-Schlüssel hinzufügen</translation>
    </message>
    <message>
        <source>Edit SSH key %1</source>
        <translation>SSH-Schlüssel %1 bearbeiten</translation>
    </message>
    <message>
        <source>The identifier cannot change: scripts and the API name the key by it.</source>
        <translation>Die Kennung lässt sich nicht ändern: Skripte und die API sprechen den Schlüssel darüber an.</translation>
    </message>
    <message>
        <source>Sealed in the vault. Paste or choose another private key to replace it; leave empty to keep it.</source>
        <translation>Im Tresor versiegelt. Fügen Sie einen anderen privaten Schlüssel ein oder wählen Sie einen aus, um ihn zu ersetzen; leer lassen, um ihn zu behalten.</translation>
    </message>
    <message>
        <source>Only the public key is known. Paste or choose the private key to add it.</source>
        <translation>Nur der öffentliche Schlüssel ist bekannt. Fügen Sie den privaten Schlüssel ein oder wählen Sie ihn aus, um ihn hinzuzufügen.</translation>
    </message>
    <message>
        <source>sealed in the vault; empty keeps it</source>
        <translation>im Tresor versiegelt; leer lassen, um es zu behalten</translation>
    </message>
    <message>
        <source>generated when empty</source>
        <translation>wird erzeugt, wenn leer</translation>
    </message>
    <message>
        <source>The user name the key logs in as on its devices</source>
        <translation>Der Benutzername, mit dem sich der Schlüssel auf seinen Geräten anmeldet</translation>
    </message>
    <message>
        <source>the main device&apos;s name</source>
        <translation>Name des Hauptgeräts</translation>
    </message>
    <message>
        <source>the main device&apos;s address</source>
        <translation>Adresse des Hauptgeräts</translation>
    </message>
    <message>
        <source>host-a, host-b</source>
        <translation>host-a, host-b</translation>
    </message>
    <message>
        <source>Further devices the key opens, by hostname, separated by commas</source>
        <translation>Weitere Geräte, die der Schlüssel öffnet, als Hostnamen durch Kommas getrennt</translation>
    </message>
    <message>
        <source>production, deploy</source>
        <translation>produktion, deploy</translation>
    </message>
    <message>
        <source>Words to find the key by, separated by commas</source>
        <translation>Suchbegriffe für den Schlüssel, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Aktiviert</translation>
    </message>
    <message>
        <source>Disabled keys stay in the inventory but are left out of authorized_keys exports</source>
        <translation>Deaktivierte Schlüssel bleiben im Bestand, werden aber bei authorized_keys-Exporten ausgelassen</translation>
    </message>
    <message>
        <source>ssh-ed25519 AAAA… comment, or an RFC 4716 block</source>
        <translation>ssh-ed25519 AAAA… Kommentar, oder ein RFC-4716-Block</translation>
    </message>
    <message>
        <source>-----BEGIN OPENSSH PRIVATE KEY----- … (OpenSSH, PEM or PKCS#8; encrypted or not)</source>
        <translation>-----BEGIN OPENSSH PRIVATE KEY----- … (OpenSSH, PEM oder PKCS#8; verschlüsselt oder nicht)</translation>
    </message>
    <message>
        <source>only for an encrypted private key</source>
        <translation>nur für einen verschlüsselten privaten Schlüssel</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>Datei auswählen…</translation>
    </message>
    <message>
        <source>Identifier:</source>
        <translation>Kennung:</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Hostname:</source>
        <translation>Hostname:</translation>
    </message>
    <message>
        <source>IP address:</source>
        <translation>IP-Adresse:</translation>
    </message>
    <message>
        <source>Additional devices:</source>
        <translation>Weitere Geräte:</translation>
    </message>
    <message>
        <source>Tags:</source>
        <translation>Tags:</translation>
    </message>
    <message>
        <source>Public key:</source>
        <translation>Öffentlicher Schlüssel:</translation>
    </message>
    <message>
        <source>Private key:</source>
        <translation>Privater Schlüssel:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>The private key and its password are sealed in the vault; the key list never shows them.</source>
        <translation>Der private Schlüssel und sein Passwort werden im Tresor versiegelt; die Schlüsselliste zeigt sie nie an.</translation>
    </message>
    <message>
        <source>A key with the identifier &quot;%1&quot; exists already: edit that key, or choose another identifier.</source>
        <translation>Ein Schlüssel mit der Kennung „%1“ existiert bereits: Bearbeiten Sie diesen Schlüssel oder wählen Sie eine andere Kennung.</translation>
    </message>
    <message>
        <source>Public key</source>
        <translation>Öffentlicher Schlüssel</translation>
    </message>
    <message>
        <source>Public keys (*.pub);;All files (*)</source>
        <translation>Öffentliche Schlüssel (*.pub);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Private key</source>
        <translation>Privater Schlüssel</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>keystead::ui::KeysPanel</name>
    <message>
        <source>Keys</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>No keys yet. Add a key pair you have, generate a new one, or add the keys a collect session collected (in the session&apos;s detail).</source>
        <translation>Noch keine Schlüssel. Fügen Sie ein vorhandenes Schlüsselpaar hinzu, erzeugen Sie ein neues oder übernehmen Sie die Schlüssel, die eine Sammelsitzung gesammelt hat (in den Details der Sitzung).</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Add a key pair by pasting it or choosing its files</source>
        <translation>Ein Schlüsselpaar hinzufügen, durch Einfügen oder Auswahl seiner Dateien</translation>
    </message>
    <message>
        <source>Generate…</source>
        <translation>Erzeugen…</translation>
    </message>
    <message>
        <source>Make a new key pair here: Ed25519, ECDSA or RSA</source>
        <translation>Hier ein neues Schlüsselpaar erzeugen: Ed25519, ECDSA oder RSA</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Bearbeiten…</translation>
    </message>
    <message>
        <source>Change the selected key&apos;s devices, tags or keys</source>
        <translation>Geräte, Tags oder Schlüssel des ausgewählten Schlüssels ändern</translation>
    </message>
    <message>
        <source>Copy public key</source>
        <translation>Öffentlichen Schlüssel kopieren</translation>
    </message>
    <message>
        <source>Copy the selected key&apos;s public key as one OpenSSH line</source>
        <translation>Den öffentlichen Schlüssel des ausgewählten Schlüssels als OpenSSH-Zeile kopieren</translation>
    </message>
    <message>
        <source>Reveal private key…</source>
        <translation>Privaten Schlüssel offenlegen…</translation>
    </message>
    <message>
        <source>Show the selected key&apos;s private key and password; recorded in the audit log</source>
        <translation>Privaten Schlüssel und Passwort des ausgewählten Schlüssels anzeigen; wird im Audit-Protokoll festgehalten</translation>
    </message>
    <message>
        <source>Export authorized_keys…</source>
        <translation>authorized_keys exportieren…</translation>
    </message>
    <message>
        <source>The authorized_keys lines of every enabled key that opens one device</source>
        <translation>Die authorized_keys-Zeilen aller aktivierten Schlüssel, die ein bestimmtes Gerät öffnen</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <source>Keep the selected key in the inventory, disabled: exports leave it out</source>
        <translation>Den ausgewählten Schlüssel deaktiviert im Bestand behalten: Exporte lassen ihn aus</translation>
    </message>
    <message>
        <source>Filter by identifier, name, host, fingerprint, user, tag…</source>
        <translation>Nach Kennung, Name, Host, Fingerabdruck, Benutzer, Tag filtern…</translation>
    </message>
    <message>
        <source>Tag:</source>
        <translation>Tag:</translation>
    </message>
    <message>
        <source>Copied the public key of &quot;%1&quot;.</source>
        <translation>Öffentlicher Schlüssel von „%1“ kopiert.</translation>
    </message>
    <message>
        <source>Reveal private key</source>
        <translation>Privaten Schlüssel offenlegen</translation>
    </message>
    <message>
        <source>The private key will be shown in plain text. This is recorded in the audit log.</source>
        <translation>Der private Schlüssel wird im Klartext angezeigt. Dies wird im Audit-Protokoll festgehalten.</translation>
    </message>
    <message>
        <source>Key &quot;%1&quot;, %2</source>
        <translation>Schlüssel „%1“, %2</translation>
    </message>
    <message>
        <source>Show private key</source>
        <translation>Privaten Schlüssel anzeigen</translation>
    </message>
    <message>
        <source>Select a key to disable.</source>
        <translation>Wählen Sie den Schlüssel aus, der deaktiviert werden soll.</translation>
    </message>
    <message>
        <source>Disabled &quot;%1&quot;: authorized_keys exports leave it out now.</source>
        <translation>„%1“ deaktiviert: authorized_keys-Exporte lassen ihn jetzt aus.</translation>
    </message>
    <message>
        <source>The vault is not available: private keys cannot be stored or revealed. %1</source>
        <translation>Der Tresor ist nicht verfügbar: Private Schlüssel können weder gespeichert noch offengelegt werden. %1</translation>
    </message>
    <message>
        <source>Master key store: %1</source>
        <translation>Speicherort des Hauptschlüssels: %1</translation>
    </message>
    <message>
        <source>Only the public key of this key is known</source>
        <translation>Von diesem Schlüssel ist nur der öffentliche Schlüssel bekannt</translation>
    </message>
    <message>
        <source>All tags</source>
        <translation>Alle Tags</translation>
    </message>
    <message>
        <source>Added &quot;%1&quot;.</source>
        <translation>„%1“ hinzugefügt.</translation>
    </message>
    <message>
        <source>Saved &quot;%1&quot;.</source>
        <translation>„%1“ gespeichert.</translation>
    </message>
    <message>
        <source>Devices Keystead does not know yet, kept on the key: %1.</source>
        <translation>Geräte, die Keystead noch nicht kennt, am Schlüssel vermerkt: %1.</translation>
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
    <name>keystead::ui::NewTokenDialog</name>
    <message>
        <source>New API token</source>
        <translation>Neues API-Token</translation>
    </message>
    <message>
        <source>who or what uses it, e.g. backup script</source>
        <translation>wer oder was es verwendet, z. B. Backup-Skript</translation>
    </message>
    <message>
        <source>Read: list and show</source>
        <translation>Lesen: auflisten und anzeigen</translation>
    </message>
    <message>
        <source>Write: create, change and delete</source>
        <translation>Schreiben: anlegen, ändern und löschen</translation>
    </message>
    <message>
        <source>Reveal secrets: private keys and passwords in plain text</source>
        <translation>Geheimnisse offenlegen: private Schlüssel und Passwörter im Klartext</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>May:</source>
        <translation>Berechtigungen:</translation>
    </message>
    <message>
        <source>Create token</source>
        <translation>Token erstellen</translation>
    </message>
    <message>
        <source>Each reveal of a secret is written to the audit log.</source>
        <translation>Jedes Offenlegen eines Geheimnisses wird im Audit-Protokoll festgehalten.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::RevealKeyDialog</name>
    <message>
        <source>Private key of %1</source>
        <translation>Privater Schlüssel von %1</translation>
    </message>
    <message>
        <source>The private key of &quot;%1&quot; (%2). Keep it where only you can read it.</source>
        <translation>Der private Schlüssel von „%1“ (%2). Bewahren Sie ihn so auf, dass nur Sie ihn lesen können.</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>none: the private key is not encrypted</source>
        <translation>keins: Der private Schlüssel ist nicht verschlüsselt</translation>
    </message>
    <message>
        <source>Private key:</source>
        <translation>Privater Schlüssel:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
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
    <message>
        <source>Secret vault</source>
        <translation>Geheimnistresor</translation>
    </message>
    <message>
        <source>Rotate master key…</source>
        <translation>Hauptschlüssel rotieren…</translation>
    </message>
    <message>
        <source>Private keys and passwords are sealed with AES-256-GCM under a master key kept outside the database: in the OS keychain, or in the file named by KEYSTEAD_MASTER_KEY_FILE.</source>
        <translation>Private Schlüssel und Passwörter werden mit AES-256-GCM unter einem Hauptschlüssel versiegelt, der außerhalb der Datenbank liegt: im Schlüsselbund des Betriebssystems oder in der Datei, die KEYSTEAD_MASTER_KEY_FILE angibt.</translation>
    </message>
    <message>
        <source>Open, with the master key in %1.</source>
        <translation>Geöffnet, mit dem Hauptschlüssel in %1.</translation>
    </message>
    <message>
        <source>Nothing sealed yet: a master key is made in %1 when the first secret is stored.</source>
        <translation>Noch nichts versiegelt: Ein Hauptschlüssel wird in %1 erzeugt, sobald das erste Geheimnis gespeichert wird.</translation>
    </message>
    <message>
        <source>Rotate master key</source>
        <translation>Hauptschlüssel rotieren</translation>
    </message>
    <message>
        <source>Make a new master key and re-seal every secret with it? The old key is removed from %1 afterwards.</source>
        <translation>Einen neuen Hauptschlüssel erzeugen und jedes Geheimnis damit neu versiegeln? Der alte Schlüssel wird danach aus %1 entfernt.</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>for ever</source>
        <translation>unbegrenzt</translation>
    </message>
    <message>
        <source>Connections that ended longer ago are removed with their audit trails, once an hour.</source>
        <translation>Verbindungen, die länger zurückliegen, werden stündlich mit ihren Audit-Protokollen entfernt.</translation>
    </message>
    <message>
        <source>Keep connection trails:</source>
        <translation>Verbindungsprotokolle aufbewahren:</translation>
    </message>
    <message>
        <source>Access roles</source>
        <translation>Zugriffsrollen</translation>
    </message>
    <message>
        <source>name of a new role, e.g. auditors</source>
        <translation>Name einer neuen Rolle, z. B. Prüfer</translation>
    </message>
    <message>
        <source>Add role</source>
        <translation>Rolle hinzufügen</translation>
    </message>
    <message>
        <source>Roles are granted on connections over HTTP (/connection-manager/api/v1/connections/{id}/access_roles/{role id}).</source>
        <translation>Rollen werden Verbindungen über HTTP zugewiesen (/connection-manager/api/v1/connections/{id}/access_roles/{role id}).</translation>
    </message>
    <message>
        <source>Role id: %1</source>
        <translation>Rollen-ID: %1</translation>
    </message>
</context>
<context>
    <name>keystead::ui::SshKeysModel</name>
    <message>
        <source>public key only</source>
        <translation>nur öffentlicher Schlüssel</translation>
    </message>
    <message>
        <source>sealed</source>
        <translation>versiegelt</translation>
    </message>
    <message>
        <source>sealed, with password</source>
        <translation>versiegelt, mit Passwort</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>Comment: %1</source>
        <translation>Kommentar: %1</translation>
    </message>
    <message>
        <source>Collected by a collect session: only the public key is known.</source>
        <translation>Von einer Sammelsitzung gesammelt: Nur der öffentliche Schlüssel ist bekannt.</translation>
    </message>
    <message>
        <source>Only the public key is known.</source>
        <translation>Nur der öffentliche Schlüssel ist bekannt.</translation>
    </message>
    <message>
        <source>%1, encrypted; sealed in the vault</source>
        <translation>%1, verschlüsselt; im Tresor versiegelt</translation>
    </message>
    <message>
        <source>%1; sealed in the vault</source>
        <translation>%1; im Tresor versiegelt</translation>
    </message>
    <message>
        <source>Identifier</source>
        <translation>Kennung</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Algorithm</source>
        <translation>Algorithmus</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Fingerabdruck</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>Private key</source>
        <translation>Privater Schlüssel</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
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
    <message>
        <source>This token can read private keys and passwords in plain text.</source>
        <translation>Dieses Token kann private Schlüssel und Passwörter im Klartext lesen.</translation>
    </message>
    <message>
        <source>May</source>
        <translation>Berechtigungen</translation>
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
