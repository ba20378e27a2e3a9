#pragma once

#include "ssh/SshPublicKey.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace keystead {

// What a Key Revocation List revokes.
struct KrlContents
{
    quint64 version = 0; // krl_version: grows with each change of the list
    QDateTime generatedAt;
    QString comment;

    // Certificates of one CA, by serial and by key id.
    struct CaSection
    {
        SshPublicKey ca;
        QList<quint64> serials;
        QStringList keyIds;
    };
    QList<CaSection> certificates;
    // Plain keys revoked outright (and every certificate of them).
    QList<SshPublicKey> explicitKeys;
    // Keys revoked by their SHA-256 hash (32 raw bytes each).
    QList<QByteArray> sha256Hashes;
};

// The binary form of OpenSSH's PROTOCOL.krl, unsigned, as `ssh-keygen -k`
// writes it: for sshd's RevokedKeys and `ssh-keygen -Q -f`. Serials are
// written as the smallest of list / range / bitmap sections. Serial 0 is left
// out (OpenSSH will not load a KRL naming it); SHA-256 hashes not 32 bytes long too.
QByteArray encodeKrl(const KrlContents &contents);

} // namespace keystead
