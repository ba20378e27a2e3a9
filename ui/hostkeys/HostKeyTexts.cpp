#include "ui/hostkeys/HostKeyTexts.h"

using namespace Qt::StringLiterals;

namespace keystead::ui {

QString HostKeyTexts::error(const Error &error)
{
    if (error.location.isEmpty() || error.message.contains(error.location))
        return error.message;
    return error.location + u": "_s + error.message;
}

QString HostKeyTexts::trust(ScannedHostKey::Trust trust)
{
    switch (trust) {
    case ScannedHostKey::Trust::New: return tr("new");
    case ScannedHostKey::Trust::Trusted: return tr("trusted");
    case ScannedHostKey::Trust::Changed: return tr("CHANGED");
    }
    return {};
}

QString HostKeyTexts::severity(PolicyWarning::Severity severity)
{
    switch (severity) {
    case PolicyWarning::Severity::Notice: return tr("Notice");
    case PolicyWarning::Severity::Warning: return tr("Warning");
    case PolicyWarning::Severity::Error: return tr("Error");
    }
    return {};
}

QString HostKeyTexts::side(PolicyWarning::Side side)
{
    return side == PolicyWarning::Side::Server ? tr("server side") : tr("client side");
}

QString HostKeyTexts::warning(const PolicyWarning &warning)
{
    return tr("%1, %2, %3 %4: %5")
        .arg(severity(warning.severity), side(warning.side), warning.list, warning.algorithm, warning.message);
}

QString HostKeyTexts::hostPort(const QString &address, int port)
{
    if (address.contains(u':'))
        return u"[%1]:%2"_s.arg(address).arg(port);
    return u"%1:%2"_s.arg(address).arg(port);
}

ScanTargets HostKeyTexts::parseTargets(const QString &text)
{
    ScanTargets parsed;
    const QStringList lines = text.split(u'\n');
    for (qsizetype number = 0; number < lines.size(); ++number) {
        const QString line = lines.at(number).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QString where = tr("line %1").arg(number + 1);
        QString address = line;
        QString portText;
        if (line.startsWith(u'[')) {
            const qsizetype close = line.indexOf(u']');
            if (close < 0) {
                parsed.problems.append(tr("%1: \"%2\" has no closing bracket").arg(where, line));
                continue;
            }
            address = line.mid(1, close - 1);
            const QString rest = line.mid(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(u':')) {
                    parsed.problems.append(tr("%1: write [address]:port").arg(where));
                    continue;
                }
                portText = rest.mid(1);
            }
        } else if (line.count(u':') == 1) {
            address = line.section(u':', 0, 0);
            portText = line.section(u':', 1);
        }
        // More than one colon and no brackets: a bare IPv6 address on port 22.
        if (address.isEmpty() || address.contains(QChar(u' '))) {
            parsed.problems.append(tr("%1: \"%2\" is not a host").arg(where, line));
            continue;
        }
        int port = 22;
        if (!portText.isNull()) {
            bool ok = false;
            port = portText.toInt(&ok);
            if (!ok || port < 1 || port > 65535) {
                parsed.problems.append(tr("%1: \"%2\" is not a port (1 to 65535)").arg(where, portText));
                continue;
            }
        }
        const ScanTarget target{address, port};
        if (!parsed.targets.contains(target))
            parsed.targets.append(target);
    }
    return parsed;
}

QString HostKeyTexts::importReport(const KnownHostsImport &report)
{
    QString text = tr("known_hosts: %1 added, %2 already trusted, %3 hashed names skipped, %4 invalid lines skipped")
                       .arg(report.added)
                       .arg(report.alreadyTrusted)
                       .arg(report.skippedHashed)
                       .arg(report.skippedInvalid);
    if (report.skippedMarkers > 0)
        text += tr(", %1 @cert-authority or @revoked lines skipped").arg(report.skippedMarkers);
    text += u'.';
    if (!report.problems.isEmpty())
        text += u' ' + report.problems.mid(0, 5).join(u"; "_s) + (report.problems.size() > 5 ? u" …"_s : QString());
    return text;
}

} // namespace keystead::ui
