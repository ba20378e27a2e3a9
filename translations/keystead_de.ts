<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CertificateTexts</name>
    <message>
        <source>valid</source>
        <translation>gültig</translation>
    </message>
    <message>
        <source>not yet valid</source>
        <translation>noch nicht gültig</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>abgelaufen</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>widerrufen</translation>
    </message>
    <message>
        <source>host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>user</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Ed25519</source>
        <translation>Ed25519</translation>
    </message>
    <message>
        <source>ECDSA %1</source>
        <translation>ECDSA %1</translation>
    </message>
    <message>
        <source>RSA %1</source>
        <translation>RSA %1</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
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
    <name>HostKeyTexts</name>
    <message>
        <source>new</source>
        <translation>neu</translation>
    </message>
    <message>
        <source>trusted</source>
        <translation>vertrauenswürdig</translation>
    </message>
    <message>
        <source>CHANGED</source>
        <translation>GEÄNDERT</translation>
    </message>
    <message>
        <source>Notice</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>server side</source>
        <translation>Serverseite</translation>
    </message>
    <message>
        <source>client side</source>
        <translation>Clientseite</translation>
    </message>
    <message>
        <source>%1, %2, %3 %4: %5</source>
        <translation>%1, %2, %3 %4: %5</translation>
    </message>
    <message>
        <source>line %1</source>
        <translation>Zeile %1</translation>
    </message>
    <message>
        <source>%1: &quot;%2&quot; has no closing bracket</source>
        <translation>%1: „%2“ hat keine schließende Klammer</translation>
    </message>
    <message>
        <source>%1: write [address]:port</source>
        <translation>%1: Schreiben Sie [Adresse]:Port</translation>
    </message>
    <message>
        <source>%1: &quot;%2&quot; is not a host</source>
        <translation>%1: „%2“ ist kein Host</translation>
    </message>
    <message>
        <source>%1: &quot;%2&quot; is not a port (1 to 65535)</source>
        <translation>%1: „%2“ ist kein Port (1 bis 65535)</translation>
    </message>
    <message>
        <source>known_hosts: %1 added, %2 already trusted, %3 hashed names skipped, %4 invalid lines skipped</source>
        <translation>known_hosts: %1 hinzugefügt, %2 bereits vertrauenswürdig, %3 gehashte Namen übersprungen, %4 ungültige Zeilen übersprungen</translation>
    </message>
    <message>
        <source>, %1 @cert-authority or @revoked lines skipped</source>
        <translation>, %1 @cert-authority- oder @revoked-Zeilen übersprungen</translation>
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
    <name>keystead::ui::AddHostKeyDialog</name>
    <message>
        <source>Trust a host key</source>
        <translation>Einem Hostschlüssel vertrauen</translation>
    </message>
    <message>
        <source>10.0.0.1, 2001:db8::1 or a host name</source>
        <translation>10.0.0.1, 2001:db8::1 oder ein Hostname</translation>
    </message>
    <message>
        <source>ssh-ed25519 AAAAC3Nz… (a .pub or known_hosts line), or the base64 value alone</source>
        <translation>ssh-ed25519 AAAAC3Nz… (eine .pub- oder known_hosts-Zeile) oder nur der Base64-Wert</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>Typ:</translation>
    </message>
    <message>
        <source>Key:</source>
        <translation>Schlüssel:</translation>
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
    <name>keystead::ui::CertificateAuthoritiesModel</name>
    <message>
        <source>Metadata: %1</source>
        <translation>Metadaten: %1</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Fingerabdruck</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Beschreibung</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>Ausgestellt</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CertificatesModel</name>
    <message>
        <source>No principals: valid for any user or host the CA is trusted for</source>
        <translation>Keine Principals: gültig für jeden Benutzer oder Host, für den der CA vertraut wird</translation>
    </message>
    <message>
        <source>Key id: %1</source>
        <translation>Schlüssel-ID: %1</translation>
    </message>
    <message>
        <source>Expires soon: %1</source>
        <translation>Läuft bald ab: %1</translation>
    </message>
    <message>
        <source>Revoked %1: %2</source>
        <translation>Widerrufen %1: %2</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Subject fingerprint</source>
        <translation>Fingerabdruck des Inhabers</translation>
    </message>
    <message>
        <source>Key type</source>
        <translation>Schlüsseltyp</translation>
    </message>
    <message>
        <source>Principals</source>
        <translation>Principals</translation>
    </message>
    <message>
        <source>CA</source>
        <translation>CA</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <source>Valid from</source>
        <translation>Gültig ab</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>Gültig bis</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>keystead::ui::CertificatesPanel</name>
    <message>
        <source>Certificates</source>
        <translation>Zertifikate</translation>
    </message>
    <message>
        <source>Id:</source>
        <translation>ID:</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Art:</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>CA:</source>
        <translation>CA:</translation>
    </message>
    <message>
        <source>Serial:</source>
        <translation>Seriennummer:</translation>
    </message>
    <message>
        <source>Key id:</source>
        <translation>Schlüssel-ID:</translation>
    </message>
    <message>
        <source>Key type:</source>
        <translation>Schlüsseltyp:</translation>
    </message>
    <message>
        <source>Subject fingerprint:</source>
        <translation>Fingerabdruck des Inhabers:</translation>
    </message>
    <message>
        <source>Subject key:</source>
        <translation>Schlüssel des Inhabers:</translation>
    </message>
    <message>
        <source>Principals:</source>
        <translation>Principals:</translation>
    </message>
    <message>
        <source>Valid from:</source>
        <translation>Gültig ab:</translation>
    </message>
    <message>
        <source>Valid until:</source>
        <translation>Gültig bis:</translation>
    </message>
    <message>
        <source>Critical options:</source>
        <translation>Kritische Optionen:</translation>
    </message>
    <message>
        <source>Extensions:</source>
        <translation>Erweiterungen:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>Beschreibung:</translation>
    </message>
    <message>
        <source>Metadata:</source>
        <translation>Metadaten:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Certificate authorities</source>
        <translation>Zertifizierungsstellen</translation>
    </message>
    <message>
        <source>No certificate authority yet. Create one: it signs user certificates that servers trust through TrustedUserCAKeys, and host certificates that clients trust through @cert-authority lines.</source>
        <translation>Noch keine Zertifizierungsstelle. Legen Sie eine an: Sie signiert Benutzerzertifikate, denen Server über TrustedUserCAKeys vertrauen, und Hostzertifikate, denen Clients über @cert-authority-Zeilen vertrauen.</translation>
    </message>
    <message>
        <source>New CA…</source>
        <translation>Neue CA…</translation>
    </message>
    <message>
        <source>Create a certificate authority: Ed25519, ECDSA or RSA</source>
        <translation>Eine Zertifizierungsstelle anlegen: Ed25519, ECDSA oder RSA</translation>
    </message>
    <message>
        <source>Edit description…</source>
        <translation>Beschreibung bearbeiten…</translation>
    </message>
    <message>
        <source>Change the selected CA&apos;s description</source>
        <translation>Die Beschreibung der ausgewählten CA ändern</translation>
    </message>
    <message>
        <source>Delete CA…</source>
        <translation>CA löschen…</translation>
    </message>
    <message>
        <source>Delete the selected CA: it signs no more; its certificates stay listed</source>
        <translation>Die ausgewählte CA löschen: Sie signiert nichts mehr; ihre Zertifikate bleiben aufgeführt</translation>
    </message>
    <message>
        <source>Sign certificate…</source>
        <translation>Zertifikat signieren…</translation>
    </message>
    <message>
        <source>Sign a user or host certificate for a pasted key, a key of the inventory or a collected key</source>
        <translation>Ein Benutzer- oder Hostzertifikat für einen eingefügten Schlüssel, einen Schlüssel aus dem Bestand oder einen gesammelten Schlüssel signieren</translation>
    </message>
    <message>
        <source>Copy TrustedUserCAKeys line</source>
        <translation>TrustedUserCAKeys-Zeile kopieren</translation>
    </message>
    <message>
        <source>The CA&apos;s public key as one line for the file sshd_config&apos;s TrustedUserCAKeys names</source>
        <translation>Der öffentliche Schlüssel der CA als eine Zeile für die Datei, die TrustedUserCAKeys in sshd_config angibt</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>Save the TrustedUserCAKeys line to a file</source>
        <translation>Die TrustedUserCAKeys-Zeile in einer Datei speichern</translation>
    </message>
    <message>
        <source>Copy @cert-authority line</source>
        <translation>@cert-authority-Zeile kopieren</translation>
    </message>
    <message>
        <source>The known_hosts line that makes clients trust this CA&apos;s host certificates</source>
        <translation>Die known_hosts-Zeile, mit der Clients den Hostzertifikaten dieser CA vertrauen</translation>
    </message>
    <message>
        <source>Save the @cert-authority line and an @revoked line for each revoked host key</source>
        <translation>Die @cert-authority-Zeile und je eine @revoked-Zeile für jeden widerrufenen Hostschlüssel speichern</translation>
    </message>
    <message>
        <source>Save KRL…</source>
        <translation>KRL speichern…</translation>
    </message>
    <message>
        <source>The CA&apos;s key revocation list (binary), for servers&apos; RevokedKeys</source>
        <translation>Die Schlüssel-Widerrufsliste der CA (binär), für RevokedKeys der Server</translation>
    </message>
    <message>
        <source>The hosts whose certificates clients check against this CA, as known_hosts patterns: *.example.org,10.0.0.*</source>
        <translation>Die Hosts, deren Zertifikate Clients gegen diese CA prüfen, als known_hosts-Muster: *.example.org,10.0.0.*</translation>
    </message>
    <message>
        <source>Servers:</source>
        <translation>Server:</translation>
    </message>
    <message>
        <source>Clients, hosts:</source>
        <translation>Clients, Hosts:</translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation>Widerrufen…</translation>
    </message>
    <message>
        <source>Revoke the selected certificate, with a reason; cannot be undone</source>
        <translation>Das ausgewählte Zertifikat mit Begründung widerrufen; lässt sich nicht rückgängig machen</translation>
    </message>
    <message>
        <source>Revoke every certificate of this key…</source>
        <translation>Alle Zertifikate dieses Schlüssels widerrufen…</translation>
    </message>
    <message>
        <source>Revoke every certificate, of every CA, whose key is the selected one&apos;s</source>
        <translation>Alle Zertifikate aller CAs widerrufen, deren Schlüssel der des ausgewählten ist</translation>
    </message>
    <message>
        <source>Copy certificate</source>
        <translation>Zertifikat kopieren</translation>
    </message>
    <message>
        <source>Copy the selected certificate as one line for a -cert.pub file</source>
        <translation>Das ausgewählte Zertifikat als eine Zeile für eine -cert.pub-Datei kopieren</translation>
    </message>
    <message>
        <source>Save certificate…</source>
        <translation>Zertifikat speichern…</translation>
    </message>
    <message>
        <source>Save the selected certificate to a -cert.pub file</source>
        <translation>Das ausgewählte Zertifikat in einer -cert.pub-Datei speichern</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>Certificates that expire within this many days are highlighted and counted in the status bar. Kept for every console on this database.</source>
        <translation>Zertifikate, die innerhalb so vieler Tage ablaufen, werden hervorgehoben und in der Statusleiste gezählt. Gilt für jede Konsole mit dieser Datenbank.</translation>
    </message>
    <message>
        <source>The warning days could not be saved: %1</source>
        <translation>Die Warnfrist konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>Expiring within:</source>
        <translation>Ablaufwarnung:</translation>
    </message>
    <message>
        <source>Filter by principal, fingerprint, key id, description…</source>
        <translation>Nach Principal, Fingerabdruck, Schlüssel-ID, Beschreibung filtern…</translation>
    </message>
    <message>
        <source>User and host</source>
        <translation>Benutzer und Host</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Any state</source>
        <translation>Jeder Status</translation>
    </message>
    <message>
        <source>Select a certificate to see all it says.</source>
        <translation>Wählen Sie ein Zertifikat aus, um alle seine Angaben zu sehen.</translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation>Zertifikat:</translation>
    </message>
    <message>
        <source>Select a certificate authority.</source>
        <translation>Wählen Sie eine Zertifizierungsstelle aus.</translation>
    </message>
    <message>
        <source>Saved the description of %1.</source>
        <translation>Beschreibung von %1 gespeichert.</translation>
    </message>
    <message>
        <source>Delete certificate authority</source>
        <translation>Zertifizierungsstelle löschen</translation>
    </message>
    <message>
        <source>Delete the certificate authority &quot;%1&quot;?</source>
        <translation>Die Zertifizierungsstelle „%1“ löschen?</translation>
    </message>
    <message numerus="yes">
        <source>Its private key is destroyed: it signs no more certificates. The %n certificate(s) it issued stay listed, and its KRL stays available. Servers that trust it keep trusting what it signed until you remove it from TrustedUserCAKeys.</source>
        <translation>
            <numerusform>Ihr privater Schlüssel wird vernichtet: Sie signiert keine Zertifikate mehr. Das von ihr ausgestellte Zertifikat (%n) bleibt aufgeführt, und ihre KRL bleibt verfügbar. Server, die ihr vertrauen, vertrauen dem von ihr Signierten weiterhin, bis Sie sie aus TrustedUserCAKeys entfernen.</numerusform>
            <numerusform>Ihr privater Schlüssel wird vernichtet: Sie signiert keine Zertifikate mehr. Die von ihr ausgestellten Zertifikate (%n) bleiben aufgeführt, und ihre KRL bleibt verfügbar. Server, die ihr vertrauen, vertrauen dem von ihr Signierten weiterhin, bis Sie sie aus TrustedUserCAKeys entfernen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete CA</source>
        <translation>CA löschen</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Deleted the certificate authority &quot;%1&quot;.</source>
        <translation>Zertifizierungsstelle „%1“ gelöscht.</translation>
    </message>
    <message>
        <source>Copied the TrustedUserCAKeys line of %1.</source>
        <translation>TrustedUserCAKeys-Zeile von %1 kopiert.</translation>
    </message>
    <message>
        <source>the TrustedUserCAKeys line</source>
        <translation>TrustedUserCAKeys-Zeile</translation>
    </message>
    <message>
        <source>Copied the @cert-authority line of %1.</source>
        <translation>@cert-authority-Zeile von %1 kopiert.</translation>
    </message>
    <message>
        <source>the known_hosts lines</source>
        <translation>known_hosts-Zeilen</translation>
    </message>
    <message>
        <source>the KRL</source>
        <translation>KRL</translation>
    </message>
    <message>
        <source>Copied the certificate with serial %1.</source>
        <translation>Zertifikat mit Seriennummer %1 kopiert.</translation>
    </message>
    <message>
        <source>Select a certificate.</source>
        <translation>Wählen Sie ein Zertifikat aus.</translation>
    </message>
    <message>
        <source>the certificate</source>
        <translation>Zertifikat</translation>
    </message>
    <message numerus="yes">
        <source>%n expiring</source>
        <translation>
            <numerusform>%n läuft bald ab</numerusform>
            <numerusform>%n laufen bald ab</numerusform>
        </translation>
    </message>
    <message>
        <source>revoked %1: %2</source>
        <translation>widerrufen %1: %2</translation>
    </message>
    <message>
        <source>valid, expires soon</source>
        <translation>gültig, läuft bald ab</translation>
    </message>
    <message>
        <source>%1 (deleted)</source>
        <translation>%1 (gelöscht)</translation>
    </message>
    <message>
        <source>(none: any principal)</source>
        <translation>(keine: jeder Principal)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>All CAs</source>
        <translation>Alle CAs</translation>
    </message>
    <message>
        <source>Created the %1 certificate authority %2.</source>
        <translation>Zertifizierungsstelle %2 (%1) angelegt.</translation>
    </message>
    <message>
        <source>Signed a %1 certificate with serial %2 for %3.</source>
        <translation>%1-Zertifikat mit Seriennummer %2 für %3 signiert.</translation>
    </message>
    <message>
        <source>any principal</source>
        <translation>jeden Principal</translation>
    </message>
    <message numerus="yes">
        <source>Revoked %n certificate(s). Give servers the new KRL.</source>
        <translation>
            <numerusform>%n Zertifikat widerrufen. Geben Sie den Servern die neue KRL.</numerusform>
            <numerusform>%n Zertifikate widerrufen. Geben Sie den Servern die neue KRL.</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot write %1 to %2: %3</source>
        <translation>%1 kann nicht in %2 geschrieben werden: %3</translation>
    </message>
    <message>
        <source>Saved %1 to %2.</source>
        <translation>%1 in %2 gespeichert.</translation>
    </message>
    <message>
        <source>Edit description</source>
        <translation>Beschreibung bearbeiten</translation>
    </message>
    <message>
        <source>Description of %1:</source>
        <translation>Beschreibung von %1:</translation>
    </message>
    <message>
        <source>Save TrustedUserCAKeys line</source>
        <translation>TrustedUserCAKeys-Zeile speichern</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Save known_hosts lines</source>
        <translation>known_hosts-Zeilen speichern</translation>
    </message>
    <message>
        <source>Save KRL</source>
        <translation>KRL speichern</translation>
    </message>
    <message>
        <source>Key revocation lists (*.krl);;All files (*)</source>
        <translation>Schlüssel-Widerrufslisten (*.krl);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Save certificate</source>
        <translation>Zertifikat speichern</translation>
    </message>
    <message>
        <source>OpenSSH certificates (*-cert.pub);;All files (*)</source>
        <translation>OpenSSH-Zertifikate (*-cert.pub);;Alle Dateien (*)</translation>
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
    <message>
        <source>No signed checkpoint covers it yet.</source>
        <translation>Noch deckt kein signierter Prüfpunkt es ab.</translation>
    </message>
    <message numerus="yes">
        <source>%n signed checkpoint(s) verified, the last signed %1.</source>
        <translation>
            <numerusform>%n signierter Prüfpunkt geprüft, signiert am %1.</numerusform>
            <numerusform>%n signierte Prüfpunkte geprüft, der letzte signiert am %1.</numerusform>
        </translation>
    </message>
    <message>
        <source>✘ TRAIL BROKEN at record %1: it differs from what a signed checkpoint recorded.</source>
        <translation>✘ PROTOKOLL VERLETZT bei Eintrag %1: Er weicht von dem ab, was ein signierter Prüfpunkt festgehalten hat.</translation>
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
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message numerus="yes">
        <source>%n minute(s) ago</source>
        <translation>
            <numerusform>vor %n Minute</numerusform>
            <numerusform>vor %n Minuten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s) ago</source>
        <translation>
            <numerusform>vor %n Stunde</numerusform>
            <numerusform>vor %n Stunden</numerusform>
        </translation>
    </message>
    <message>
        <source>Trusted host keys</source>
        <translation>Vertrauenswürdige Hostschlüssel</translation>
    </message>
    <message>
        <source>SSH server settings</source>
        <translation>SSH-Server-Einstellungen</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Hinzufügen…</translation>
    </message>
    <message>
        <source>Trust a host key by pasting it</source>
        <translation>Einem Hostschlüssel vertrauen, indem Sie ihn einfügen</translation>
    </message>
    <message>
        <source>Scan…</source>
        <translation>Scannen…</translation>
    </message>
    <message>
        <source>Ask servers for their host keys</source>
        <translation>Server nach ihren Hostschlüsseln fragen</translation>
    </message>
    <message>
        <source>Re-scan trusted hosts</source>
        <translation>Vertrauenswürdige Hosts erneut scannen</translation>
    </message>
    <message>
        <source>Scan every trusted host again and flag keys that changed</source>
        <translation>Jeden vertrauenswürdigen Host erneut scannen und geänderte Schlüssel markieren</translation>
    </message>
    <message>
        <source>Import known_hosts…</source>
        <translation>known_hosts importieren…</translation>
    </message>
    <message>
        <source>Trust the keys of a known_hosts file (hashed names are skipped)</source>
        <translation>Den Schlüsseln einer known_hosts-Datei vertrauen (gehashte Namen werden übersprungen)</translation>
    </message>
    <message>
        <source>Export known_hosts…</source>
        <translation>known_hosts exportieren…</translation>
    </message>
    <message>
        <source>Write the trusted keys the table shows as a known_hosts file</source>
        <translation>Die vertrauenswürdigen Schlüssel, die die Tabelle zeigt, als known_hosts-Datei schreiben</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Stop trusting the selected key</source>
        <translation>Dem ausgewählten Schlüssel nicht mehr vertrauen</translation>
    </message>
    <message>
        <source>any port</source>
        <translation>jeder Port</translation>
    </message>
    <message>
        <source>Filter by address…</source>
        <translation>Nach Adresse filtern…</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>Typ:</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Re-scan trusted hosts every (0 = off):</source>
        <translation>Vertrauenswürdige Hosts erneut scannen, Intervall (0 = aus):</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Kennung</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Lint</source>
        <translation>Prüfung</translation>
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
        <source>Use for Keystead&apos;s SSH server</source>
        <translation>Für den SSH-Server von Keystead verwenden</translation>
    </message>
    <message>
        <source>New connections to the collect server use this policy&apos;s server side</source>
        <translation>Neue Verbindungen zum Sammelserver verwenden die Serverseite dieser Richtlinie</translation>
    </message>
    <message>
        <source>Settings policies</source>
        <translation>Einstellungsrichtlinien</translation>
    </message>
    <message>
        <source>Run Keystead&apos;s SSH server (the collect server)</source>
        <translation>SSH-Server von Keystead betreiben (den Sammelserver)</translation>
    </message>
    <message>
        <source>0 logs nothing, 7 everything libssh says</source>
        <translation>0 protokolliert nichts, 7 alles, was libssh meldet</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>How often Keystead signs the newest hash of each audit trail</source>
        <translation>Wie oft Keystead den neuesten Hash jedes Audit-Protokolls signiert</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>Log level:</source>
        <translation>Log-Level:</translation>
    </message>
    <message>
        <source>Timestamping interval:</source>
        <translation>Zeitstempel-Intervall:</translation>
    </message>
    <message>
        <source>Connection trail cleanup is set in the Settings panel.</source>
        <translation>Das Aufräumen der Verbindungsprotokolle wird im Bereich „Einstellungen“ festgelegt.</translation>
    </message>
    <message>
        <source>Trusted the %1 key of %2.</source>
        <translation>Dem %1-Schlüssel von %2 wird jetzt vertraut.</translation>
    </message>
    <message>
        <source>Select a host key to delete.</source>
        <translation>Wählen Sie den Hostschlüssel aus, der gelöscht werden soll.</translation>
    </message>
    <message>
        <source>Delete trusted host key</source>
        <translation>Vertrauenswürdigen Hostschlüssel löschen</translation>
    </message>
    <message>
        <source>Stop trusting the %1 key of %2?</source>
        <translation>Dem %1-Schlüssel von %2 nicht mehr vertrauen?</translation>
    </message>
    <message>
        <source>Not deleted.</source>
        <translation>Nicht gelöscht.</translation>
    </message>
    <message>
        <source>Deleted the %1 key of %2.</source>
        <translation>%1-Schlüssel von %2 gelöscht.</translation>
    </message>
    <message>
        <source>Import known_hosts</source>
        <translation>known_hosts importieren</translation>
    </message>
    <message>
        <source>No file chosen.</source>
        <translation>Keine Datei ausgewählt.</translation>
    </message>
    <message>
        <source>%1 is too large for a known_hosts file.</source>
        <translation>%1 ist zu groß für eine known_hosts-Datei.</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>Export known_hosts</source>
        <translation>known_hosts exportieren</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message numerus="yes">
        <source>Wrote %n key(s) to %1.</source>
        <translation>
            <numerusform>%n Schlüssel in %1 geschrieben.</numerusform>
            <numerusform>%n Schlüssel in %1 geschrieben.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;%n host key(s) changed.&lt;/b&gt; A server offered a different key than the trusted one: it was reinstalled, or someone is in the middle. Check with the server&apos;s administrator before you replace the trusted key (Scan…, Replace trusted key).</source>
        <translation>
            <numerusform>&lt;b&gt;%n Hostschlüssel geändert.&lt;/b&gt; Ein Server hat einen anderen Schlüssel angeboten als den vertrauenswürdigen: Er wurde neu installiert, oder jemand sitzt dazwischen. Klären Sie das mit dem Administrator des Servers, bevor Sie den vertrauenswürdigen Schlüssel ersetzen (Scannen…, Vertrauenswürdigen Schlüssel ersetzen).</numerusform>
            <numerusform>&lt;b&gt;%n Hostschlüssel geändert.&lt;/b&gt; Ein Server hat einen anderen Schlüssel angeboten als den vertrauenswürdigen: Er wurde neu installiert, oder jemand sitzt dazwischen. Klären Sie das mit dem Administrator des Servers, bevor Sie den vertrauenswürdigen Schlüssel ersetzen (Scannen…, Vertrauenswürdigen Schlüssel ersetzen).</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 %2: trusted %3, seen %4 (%5)</source>
        <translation>%1 %2: vertrauenswürdig %3, gesehen %4 (%5)</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Zur Kenntnis nehmen</translation>
    </message>
    <message>
        <source>Hide this warning; the trusted key stays as it is</source>
        <translation>Diese Warnung ausblenden; der vertrauenswürdige Schlüssel bleibt unverändert</translation>
    </message>
    <message>
        <source>All types</source>
        <translation>Alle Typen</translation>
    </message>
    <message>
        <source>no warnings</source>
        <translation>keine Warnungen</translation>
    </message>
    <message>
        <source>%1 errors, %2 warnings</source>
        <translation>%1 Fehler, %2 Warnungen</translation>
    </message>
    <message>
        <source>%1 warnings</source>
        <translation>%1 Warnungen</translation>
    </message>
    <message>
        <source>● active</source>
        <translation>● aktiv</translation>
    </message>
    <message>
        <source>Built in: the server&apos;s defaults; it cannot be deleted</source>
        <translation>Eingebaut: die Standardwerte des Servers; kann nicht gelöscht werden</translation>
    </message>
    <message>
        <source>Saved the policy &quot;%1&quot;.</source>
        <translation>Richtlinie „%1“ gespeichert.</translation>
    </message>
    <message>
        <source>Select a policy to delete.</source>
        <translation>Wählen Sie die Richtlinie aus, die gelöscht werden soll.</translation>
    </message>
    <message>
        <source>Delete settings policy</source>
        <translation>Einstellungsrichtlinie löschen</translation>
    </message>
    <message>
        <source>Delete the settings policy &quot;%1&quot;?</source>
        <translation>Die Einstellungsrichtlinie „%1“ löschen?</translation>
    </message>
    <message>
        <source>Select a policy to use.</source>
        <translation>Wählen Sie die Richtlinie aus, die verwendet werden soll.</translation>
    </message>
    <message>
        <source>Keystead&apos;s SSH server uses this policy for new connections.</source>
        <translation>Der SSH-Server von Keystead verwendet diese Richtlinie für neue Verbindungen.</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Alle Dateien (*)</translation>
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
    <message numerus="yes">
        <source>%n certificate(s) expire soon</source>
        <translation>
            <numerusform>%n Zertifikat läuft bald ab</numerusform>
            <numerusform>%n Zertifikate laufen bald ab</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>keystead::ui::NewAuthorityDialog</name>
    <message>
        <source>New certificate authority</source>
        <translation>Neue Zertifizierungsstelle</translation>
    </message>
    <message>
        <source>Ed25519</source>
        <translation>Ed25519</translation>
    </message>
    <message>
        <source>ECDSA</source>
        <translation>ECDSA</translation>
    </message>
    <message>
        <source>RSA</source>
        <translation>RSA</translation>
    </message>
    <message>
        <source>Ed25519 is short and fast; choose RSA only for servers that take nothing else.</source>
        <translation>Ed25519 ist kurz und schnell; wählen Sie RSA nur für Server, die nichts anderes akzeptieren.</translation>
    </message>
    <message>
        <source>P-256</source>
        <translation>P-256</translation>
    </message>
    <message>
        <source>P-384</source>
        <translation>P-384</translation>
    </message>
    <message>
        <source>P-521</source>
        <translation>P-521</translation>
    </message>
    <message>
        <source>%1 bits</source>
        <translation>%1 Bit</translation>
    </message>
    <message>
        <source>Production users</source>
        <translation>Produktionsbenutzer</translation>
    </message>
    <message>
        <source>optional, for scripts</source>
        <translation>optional, für Skripte</translation>
    </message>
    <message>
        <source>The private key is made here and sealed in the vault; it is never shown.</source>
        <translation>Der private Schlüssel wird hier erzeugt und im Tresor versiegelt; er wird nie angezeigt.</translation>
    </message>
    <message>
        <source>Key type:</source>
        <translation>Schlüsseltyp:</translation>
    </message>
    <message>
        <source>Curve:</source>
        <translation>Kurve:</translation>
    </message>
    <message>
        <source>Key size:</source>
        <translation>Schlüssellänge:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>Beschreibung:</translation>
    </message>
    <message>
        <source>Metadata:</source>
        <translation>Metadaten:</translation>
    </message>
    <message>
        <source>Create CA</source>
        <translation>CA anlegen</translation>
    </message>
    <message>
        <source>The description is longer than %1 bytes.</source>
        <translation>Die Beschreibung ist länger als %1 Bytes.</translation>
    </message>
    <message>
        <source>The metadata is longer than %1 bytes.</source>
        <translation>Die Metadaten sind länger als %1 Bytes.</translation>
    </message>
    <message>
        <source>Making a %1 key…</source>
        <translation>%1-Schlüssel wird erzeugt…</translation>
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
    <name>keystead::ui::RevokeCertificateDialog</name>
    <message>
        <source>%1 certificate, serial %2, for %3, valid until %4</source>
        <translation>%1-Zertifikat, Seriennummer %2, für %3, gültig bis %4</translation>
    </message>
    <message>
        <source>any principal</source>
        <translation>jeden Principal</translation>
    </message>
    <message>
        <source>Revoke certificate</source>
        <translation>Zertifikat widerrufen</translation>
    </message>
    <message>
        <source>Revoke every certificate of a key</source>
        <translation>Alle Zertifikate eines Schlüssels widerrufen</translation>
    </message>
    <message>
        <source>Revoke this certificate? Servers that load the CA&apos;s KRL as RevokedKeys refuse it from then on.</source>
        <translation>Dieses Zertifikat widerrufen? Server, die die KRL der CA als RevokedKeys laden, weisen es von da an ab.</translation>
    </message>
    <message numerus="yes">
        <source>Revoke every certificate of this key, from every CA? %n certificate(s) not revoked yet. The key itself goes into every CA&apos;s KRL, so certificates signed for it later are refused too.</source>
        <translation>
            <numerusform>Alle Zertifikate dieses Schlüssels von allen CAs widerrufen? %n Zertifikat ist noch nicht widerrufen. Der Schlüssel selbst kommt in die KRL jeder CA, sodass auch später für ihn signierte Zertifikate abgewiesen werden.</numerusform>
            <numerusform>Alle Zertifikate dieses Schlüssels von allen CAs widerrufen? %n Zertifikate sind noch nicht widerrufen. Der Schlüssel selbst kommt in die KRL jeder CA, sodass auch später für ihn signierte Zertifikate abgewiesen werden.</numerusform>
        </translation>
    </message>
    <message>
        <source>Revocation cannot be undone.</source>
        <translation>Der Widerruf lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>key lost, employee left, …</source>
        <translation>Schlüssel verloren, Mitarbeiter ausgeschieden, …</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Grund:</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Revoke all</source>
        <translation>Alle widerrufen</translation>
    </message>
    <message>
        <source>Enter the reason for the revocation.</source>
        <translation>Geben Sie den Grund für den Widerruf ein.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::ScanHostsDialog</name>
    <message>
        <source>Scan host keys</source>
        <translation>Hostschlüssel scannen</translation>
    </message>
    <message>
        <source>One host a line: host, host:port, [2001:db8::1]:2222</source>
        <translation>Ein Host pro Zeile: host, host:port, [2001:db8::1]:2222</translation>
    </message>
    <message>
        <source>Scan</source>
        <translation>Scannen</translation>
    </message>
    <message>
        <source>Cancel scan</source>
        <translation>Scan abbrechen</translation>
    </message>
    <message>
        <source>Trust</source>
        <translation>Vertrauen</translation>
    </message>
    <message>
        <source>Trust the selected new key</source>
        <translation>Dem ausgewählten neuen Schlüssel vertrauen</translation>
    </message>
    <message>
        <source>Trust all new</source>
        <translation>Allen neuen vertrauen</translation>
    </message>
    <message>
        <source>Trust every new key; a changed key is never replaced this way</source>
        <translation>Jedem neuen Schlüssel vertrauen; ein geänderter Schlüssel wird so nie ersetzt</translation>
    </message>
    <message>
        <source>Replace trusted key…</source>
        <translation>Vertrauenswürdigen Schlüssel ersetzen…</translation>
    </message>
    <message>
        <source>Replace the trusted key of the selected changed row with the key offered now</source>
        <translation>Den vertrauenswürdigen Schlüssel der ausgewählten geänderten Zeile durch den jetzt angebotenen ersetzen</translation>
    </message>
    <message>
        <source>Hosts to scan:</source>
        <translation>Zu scannende Hosts:</translation>
    </message>
    <message>
        <source>List at least one host to scan.</source>
        <translation>Geben Sie mindestens einen Host zum Scannen an.</translation>
    </message>
    <message numerus="yes">
        <source>Scanning %n host(s)…</source>
        <translation>
            <numerusform>%n Host wird gescannt…</numerusform>
            <numerusform>%n Hosts werden gescannt…</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelling: the connections under way end first…</source>
        <translation>Wird abgebrochen: Die laufenden Verbindungen enden zuerst…</translation>
    </message>
    <message>
        <source>%1 of %2 hosts scanned: %3 new, %4 trusted, %5 changed keys.</source>
        <translation>%1 von %2 Hosts gescannt: %3 neue, %4 vertrauenswürdige, %5 geänderte Schlüssel.</translation>
    </message>
    <message>
        <source>Cancelled. </source>
        <translation>Abgebrochen. </translation>
    </message>
    <message>
        <source>Select a key to trust.</source>
        <translation>Wählen Sie den Schlüssel aus, dem vertraut werden soll.</translation>
    </message>
    <message>
        <source>This key differs from the trusted one: use &quot;Replace trusted key&quot;.</source>
        <translation>Dieser Schlüssel weicht vom vertrauenswürdigen ab: Verwenden Sie „Vertrauenswürdigen Schlüssel ersetzen“.</translation>
    </message>
    <message>
        <source>Only a new key can be trusted.</source>
        <translation>Nur einem neuen Schlüssel kann vertraut werden.</translation>
    </message>
    <message>
        <source>Trusted %1 new keys. %2 changed keys left as they are: replace each one deliberately.</source>
        <translation>Neuen Schlüsseln vertraut: %1. Geänderte Schlüssel unverändert gelassen: %2; ersetzen Sie jeden einzeln und mit Bedacht.</translation>
    </message>
    <message>
        <source>Trusted %1 new keys.</source>
        <translation>Neuen Schlüsseln vertraut: %1.</translation>
    </message>
    <message>
        <source>Select a changed key to replace.</source>
        <translation>Wählen Sie den geänderten Schlüssel aus, der ersetzt werden soll.</translation>
    </message>
    <message>
        <source>Replace trusted host key</source>
        <translation>Vertrauenswürdigen Hostschlüssel ersetzen</translation>
    </message>
    <message>
        <source>Replace the trusted %1 key of %2?</source>
        <translation>Den vertrauenswürdigen %1-Schlüssel von %2 ersetzen?</translation>
    </message>
    <message>
        <source>Trusted now: %1
Offered by the server: %2

A changed host key can mean the server was reinstalled, or that someone is in the middle. Compare the offered fingerprint with the server&apos;s own (ssh-keygen -lf on the server) first.</source>
        <translation>Derzeit vertrauenswürdig: %1
Vom Server angeboten: %2

Ein geänderter Hostschlüssel kann bedeuten, dass der Server neu installiert wurde oder dass jemand dazwischen sitzt. Vergleichen Sie zuerst den angebotenen Fingerabdruck mit dem des Servers selbst (ssh-keygen -lf auf dem Server).</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>Ersetzen</translation>
    </message>
    <message>
        <source>Not replaced.</source>
        <translation>Nicht ersetzt.</translation>
    </message>
    <message>
        <source>Replaced the trusted %1 key of %2.</source>
        <translation>Vertrauenswürdigen %1-Schlüssel von %2 ersetzt.</translation>
    </message>
</context>
<context>
    <name>keystead::ui::ScanResultsModel</name>
    <message>
        <source>not scanned: %1</source>
        <translation>nicht gescannt: %1</translation>
    </message>
    <message>
        <source>Trusted: %1
Offered now: %2</source>
        <translation>Vertrauenswürdig: %1
Jetzt angeboten: %2</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Fingerprint offered</source>
        <translation>Angebotener Fingerabdruck</translation>
    </message>
    <message>
        <source>Bits</source>
        <translation>Bit</translation>
    </message>
    <message>
        <source>Trust</source>
        <translation>Vertrauen</translation>
    </message>
    <message>
        <source>Trusted fingerprint</source>
        <translation>Vertrauenswürdiger Fingerabdruck</translation>
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
    <message>
        <source>Delete connection trails older than</source>
        <translation>Verbindungsprotokolle löschen, die älter sind als</translation>
    </message>
    <message>
        <source>Connections that ended longer ago are removed with their audit trails and signed checkpoints, once an hour.</source>
        <translation>Verbindungen, die länger zurückliegen, werden stündlich mit ihren Audit-Protokollen und signierten Prüfpunkten entfernt.</translation>
    </message>
    <message>
        <source>Connection trails:</source>
        <translation>Verbindungsprotokolle:</translation>
    </message>
</context>
<context>
    <name>keystead::ui::SettingsPolicyDialog</name>
    <message>
        <source>New SSH settings policy</source>
        <translation>Neue SSH-Einstellungsrichtlinie</translation>
    </message>
    <message>
        <source>Edit SSH settings policy &quot;%1&quot;</source>
        <translation>SSH-Einstellungsrichtlinie „%1“ bearbeiten</translation>
    </message>
    <message>
        <source>Written in the session right after login, before the collect dialog</source>
        <translation>Wird direkt nach der Anmeldung in die Sitzung geschrieben, vor dem Sammeldialog</translation>
    </message>
    <message>
        <source>The banner a client shows before it authenticates</source>
        <translation>Das Banner, das ein Client vor der Anmeldung anzeigt</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>Idle time after login before the server disconnects</source>
        <translation>Leerlaufzeit nach der Anmeldung, bevor der Server die Verbindung trennt</translation>
    </message>
    <message>
        <source>The identification string becomes SSH-2.0-&lt;this&gt;</source>
        <translation>Der Identifikationsstring wird zu SSH-2.0-&lt;Eingabe&gt;</translation>
    </message>
    <message>
        <source>Strict mode: cut a connection that asks for anything but a session</source>
        <translation>Strenger Modus: Eine Verbindung trennen, die etwas anderes als eine Sitzung anfordert</translation>
    </message>
    <message>
        <source>Preconnect channel check (kept as given: there is no target server)</source>
        <translation>Kanalprüfung vor dem Verbindungsaufbau (nur gespeichert: Es gibt keinen Zielserver)</translation>
    </message>
    <message>
        <source>Server side (Keystead&apos;s SSH server)</source>
        <translation>Serverseite (SSH-Server von Keystead)</translation>
    </message>
    <message>
        <source>Client side (the host key scanner)</source>
        <translation>Clientseite (der Hostschlüssel-Scanner)</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Greeting:</source>
        <translation>Begrüßung:</translation>
    </message>
    <message>
        <source>Userauth banner:</source>
        <translation>Userauth-Banner:</translation>
    </message>
    <message>
        <source>Timeout:</source>
        <translation>Zeitlimit:</translation>
    </message>
    <message>
        <source>Software version:</source>
        <translation>Softwareversion:</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>Nach oben</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>Nach unten</translation>
    </message>
    <message>
        <source>libssh here cannot do %1: saving will be refused</source>
        <translation>Das hiesige libssh beherrscht %1 nicht: Das Speichern wird abgelehnt</translation>
    </message>
</context>
<context>
    <name>keystead::ui::SignCertificateDialog</name>
    <message>
        <source>Sign certificate</source>
        <translation>Zertifikat signieren</translation>
    </message>
    <message>
        <source>User certificate</source>
        <translation>Benutzerzertifikat</translation>
    </message>
    <message>
        <source>Host certificate</source>
        <translation>Hostzertifikat</translation>
    </message>
    <message>
        <source>alice, deploy</source>
        <translation>alice, deploy</translation>
    </message>
    <message>
        <source>User names (user certificates) or host names (host certificates), separated by commas or spaces. Empty: a user certificate valid for every user.</source>
        <translation>Benutzernamen (Benutzerzertifikate) oder Hostnamen (Hostzertifikate), durch Kommas oder Leerzeichen getrennt. Leer: ein Benutzerzertifikat, das für jeden Benutzer gilt.</translation>
    </message>
    <message>
        <source>until</source>
        <translation>bis</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Art:</translation>
    </message>
    <message>
        <source>Certificate authority:</source>
        <translation>Zertifizierungsstelle:</translation>
    </message>
    <message>
        <source>Principals:</source>
        <translation>Principals:</translation>
    </message>
    <message>
        <source>Valid from:</source>
        <translation>Gültig ab:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>Beschreibung:</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>Signieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Key to certify</source>
        <translation>Zu zertifizierender Schlüssel</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>Einfügen</translation>
    </message>
    <message>
        <source>From the inventory</source>
        <translation>Aus dem Bestand</translation>
    </message>
    <message>
        <source>Collected by a session</source>
        <translation>Von einer Sitzung gesammelt</translation>
    </message>
    <message>
        <source>ssh-ed25519 AAAA… user@host</source>
        <translation>ssh-ed25519 AAAA… user@host</translation>
    </message>
    <message>
        <source>Critical options</source>
        <translation>Kritische Optionen</translation>
    </message>
    <message>
        <source>none: any command</source>
        <translation>keine: jeder Befehl</translation>
    </message>
    <message>
        <source>none: any address, e.g. 192.0.2.0/24,2001:db8::/32</source>
        <translation>keine: jede Adresse, z. B. 192.0.2.0/24,2001:db8::/32</translation>
    </message>
    <message>
        <source>force-command:</source>
        <translation>force-command:</translation>
    </message>
    <message>
        <source>source-address:</source>
        <translation>source-address:</translation>
    </message>
    <message>
        <source>Extensions</source>
        <translation>Erweiterungen</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>Zertifikat</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>Put this line in a file beside the key, named as the key with -cert.pub (id_ed25519-cert.pub): ssh finds it there.</source>
        <translation>Legen Sie diese Zeile in einer Datei neben dem Schlüssel ab, benannt wie der Schlüssel mit -cert.pub (id_ed25519-cert.pub): Dort findet ssh sie.</translation>
    </message>
    <message>
        <source>There is no certificate authority yet: create one first.</source>
        <translation>Es gibt noch keine Zertifizierungsstelle: Legen Sie zuerst eine an.</translation>
    </message>
    <message>
        <source>Collected from %1 on %2</source>
        <translation>Gesammelt von %1 am %2</translation>
    </message>
    <message>
        <source>web-1.example.org, web-1</source>
        <translation>web-1.example.org, web-1</translation>
    </message>
    <message>
        <source>Choose the certificate authority that signs.</source>
        <translation>Wählen Sie die Zertifizierungsstelle aus, die signiert.</translation>
    </message>
    <message>
        <source>Paste the public key to certify (one OpenSSH line).</source>
        <translation>Fügen Sie den zu zertifizierenden öffentlichen Schlüssel ein (eine OpenSSH-Zeile).</translation>
    </message>
    <message>
        <source>Choose a key of the inventory.</source>
        <translation>Wählen Sie einen Schlüssel aus dem Bestand aus.</translation>
    </message>
    <message>
        <source>Choose a collected key.</source>
        <translation>Wählen Sie einen gesammelten Schlüssel aus.</translation>
    </message>
    <message>
        <source>This certificate is signed already.</source>
        <translation>Dieses Zertifikat ist bereits signiert.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>Nothing is signed yet.</source>
        <translation>Noch ist nichts signiert.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>Gespeichert</translation>
    </message>
    <message>
        <source>Save certificate</source>
        <translation>Zertifikat speichern</translation>
    </message>
    <message>
        <source>OpenSSH certificates (*-cert.pub);;All files (*)</source>
        <translation>OpenSSH-Zertifikate (*-cert.pub);;Alle Dateien (*)</translation>
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
    <name>keystead::ui::TrustedHostKeysModel</name>
    <message>
        <source>CHANGED, seen %1</source>
        <translation>GEÄNDERT, gesehen %1</translation>
    </message>
    <message>
        <source>trusted</source>
        <translation>vertrauenswürdig</translation>
    </message>
    <message>
        <source>Trusted: %1
Seen by a scan: %2</source>
        <translation>Vertrauenswürdig: %1
Bei einem Scan gesehen: %2</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Fingerabdruck</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Herkunft</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>Hinzugefügt</translation>
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
