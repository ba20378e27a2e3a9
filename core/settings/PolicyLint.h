#pragma once

#include "settings/SshSettings.h"

#include <QList>
#include <QString>

namespace keystead {

// A weak choice in a settings policy. The linter advises; it never refuses a
// policy (SshSettingsService decides what is allowed: what the server can do).
struct PolicyWarning
{
    enum class Severity {
        Notice, // weak only in theory, or only together with something else
        Warning, // a known weakness an attacker can use, or one that needs a peer's help to avoid
        Error, // no protection at all, or broken outright
    };
    enum class Side { Server, Client };

    Severity severity = Severity::Warning;
    Side side = Side::Server;
    QString list; // "cipher", "kex", "mac", "compression"
    // The algorithm named, or for a combination both names joined by " + ".
    QString algorithm;
    // A stable name of the rule, for scripts and tests: "sha1-kex", "dh-group1",
    // "sha1-mac", "md5-mac", "cbc-cipher", "weak-cipher", "none-cipher", "none-mac",
    // "ssh-rsa-sha1", "terrapin-chacha20", "terrapin-cbc-etm", "terrapin-ctr-etm".
    QString rule;
    QString message; // English, one sentence or two

    // "server_side_algorithms.mac": the seed's field the warning is about.
    QString field() const;
    friend bool operator==(const PolicyWarning &, const PolicyWarning &) = default;
};

// The warnings for both sides of a policy: server side first, then client side;
// within a side in list order (cipher, kex, mac, compression), then the
// combinations. Each algorithm is named once per rule.
QList<PolicyWarning> lintPolicy(const SettingsPolicy &policy);
// One side's lists.
QList<PolicyWarning> lintAlgorithms(const SshAlgorithms &algorithms, PolicyWarning::Side side);

} // namespace keystead
