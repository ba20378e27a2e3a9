#pragma once

#include "common/Result.h"
#include "hostkeys/HostKeyRecords.h"
#include "settings/PolicyLint.h"

#include <QCoreApplication>
#include <QList>
#include <QStringList>

namespace keystead::ui {

// One host a scan reaches: from a line "host", "host:port", "[v6]:port" or a bare IPv6 address.
struct ScanTarget
{
    QString address;
    int port = 22;
    friend bool operator==(const ScanTarget &, const ScanTarget &) = default;
};

struct ScanTargets
{
    QList<ScanTarget> targets; // in the order given, each once
    QStringList problems; // "line 3: ..."
};

// What the host keys panel and its dialogs share: how errors, trust states and
// lint warnings read, and how a list of hosts is typed.
class HostKeyTexts final
{
    Q_DECLARE_TR_FUNCTIONS(HostKeyTexts)

public:
    // "address: message" when the error names a field.
    static QString error(const Error &error);
    static QString trust(ScannedHostKey::Trust trust);
    static QString severity(PolicyWarning::Severity severity);
    static QString side(PolicyWarning::Side side);
    // "Warning, server side, mac hmac-sha1: ..."
    static QString warning(const PolicyWarning &warning);
    // "10.0.0.1:22", "[2001:db8::1]:2222"
    static QString hostPort(const QString &address, int port);
    // One target per line; blank lines and "# ..." comments are skipped.
    static ScanTargets parseTargets(const QString &text);
    static QString importReport(const KnownHostsImport &report);
};

} // namespace keystead::ui
