#include "ui/keys/SshKeysModel.h"

#include "inventory/InventoryService.h"

#include <QFontDatabase>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace keystead::ui {

namespace {

QString hostText(const SshKeyRecord &key)
{
    if (key.ip.isEmpty())
        return key.hostname;
    if (key.hostname.isEmpty())
        return key.ip;
    return key.hostname + u" ("_s + key.ip + u')';
}

QString deviceNames(const SshKeyRecord &key)
{
    QStringList names;
    names.reserve(key.devices.size());
    for (const InventoryDevice &device : key.devices)
        names.append(device.hostname);
    return names.join(u", "_s);
}

// What the private key column sorts by: none, sealed, sealed with its password.
int privateKeyRank(const SshKeyRecord &key)
{
    if (!key.hasPrivateKey)
        return 0;
    return key.hasPassword ? 2 : 1;
}

} // namespace

SshKeysModel::SshKeysModel(InventoryService &service, QObject *parent)
    : ChangeTableModel<SshKeyRecord>(ColumnCount, parent)
    , m_service(service)
{
    // A change made through the HTTP endpoint arrives queued, on this thread.
    follow(m_service, &SshKeysModel::refresh, &SshKeysModel::applyChanges);
}

QVariant SshKeysModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto column = static_cast<Column>(index.column());
    const SshKeyRecord &key = rowAt(index.row());

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case Identifier: return key.identifier;
        case Name: return key.keyName;
        case Algorithm:
            return key.publicKey.isNull() ? QString()
                                          : u"%1 %2"_s.arg(key.publicKey.typeLabel()).arg(key.publicKey.bits());
        case Fingerprint: return key.publicKey.isNull() ? QString() : key.publicKey.fingerprintSha256();
        case Username: return key.username;
        case Host: return key.hostname.isEmpty() ? key.ip : key.hostname; // the address in its tooltip
        case Devices: return deviceNames(key);
        case Tags: return key.tags.join(u", "_s);
        case PrivateKey:
            switch (privateKeyRank(key)) {
            case 0: return tr("public key only");
            case 1: return tr("sealed");
            default: return tr("sealed, with password");
            }
        case Enabled: return key.enabled ? tr("enabled") : tr("disabled");
        case ColumnCount: break;
        }
        break;
    case Qt::ToolTipRole:
        switch (column) {
        case Algorithm: return key.publicKey.algorithm();
        case Fingerprint:
            if (key.publicKey.isNull())
                break;
            return QString(key.publicKey.fingerprintSha256() + u'\n' + key.publicKey.fingerprintMd5());
        case Host: return key.ip.isEmpty() ? QVariant() : QVariant(hostText(key));
        case Identifier:
            if (!key.publicKeyComment.isEmpty())
                return tr("Comment: %1").arg(key.publicKeyComment);
            break;
        case Devices: {
            QStringList lines;
            for (const InventoryDevice &device : key.devices)
                lines.append(device.ip.isEmpty() ? device.hostname : u"%1 (%2)"_s.arg(device.hostname, device.ip));
            return lines.isEmpty() ? QVariant() : QVariant(lines.join(u'\n'));
        }
        case PrivateKey:
            if (!key.hasPrivateKey)
                return key.origin == u"collected"_s
                    ? tr("Collected by a collect session: only the public key is known.")
                    : tr("Only the public key is known.");
            return key.privateKeyEncrypted ? tr("%1, encrypted; sealed in the vault").arg(key.privateKeyFormat)
                                           : tr("%1; sealed in the vault").arg(key.privateKeyFormat);
        case Tags: return key.tags.isEmpty() ? QVariant() : QVariant(key.tags.join(u", "_s));
        case Name:
        case Username:
        case Enabled:
        case ColumnCount: break;
        }
        break;
    case Qt::FontRole:
        if (column == Fingerprint)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::ForegroundRole:
        // A disabled key stays listed as a record; greyed, it does not read as in use.
        if (!key.enabled)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        break;
    case SortRole:
        switch (column) {
        case Algorithm:
            return QString(key.publicKey.typeLabel() + u' ' + u"%1"_s.arg(key.publicKey.bits(), 6, 10, QChar(u'0')));
        case PrivateKey: return privateKeyRank(key);
        case Enabled: return key.enabled;
        case Identifier:
        case Name:
        case Fingerprint:
        case Username:
        case Host:
        case Devices:
        case Tags: return data(index, Qt::DisplayRole);
        case ColumnCount: break;
        }
        break;
    case IdRole: return key.id;
    case TagsRole: return key.tags;
    case MoreTextRole:
        return QString(key.ip + u' ' + key.publicKeyComment + u' '
                       + (key.publicKey.isNull() ? QString() : key.publicKey.fingerprintMd5()));
    default: break;
    }
    return {};
}

QVariant SshKeysModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Identifier: return tr("Identifier");
    case Name: return tr("Name");
    case Algorithm: return tr("Algorithm");
    case Fingerprint: return tr("Fingerprint"); // each value starts with SHA256:
    case Username: return tr("User name");
    case Host: return tr("Host");
    case Devices: return tr("Devices");
    case Tags: return tr("Tags");
    case PrivateKey: return tr("Private key");
    case Enabled: return tr("Status");
    default: return {};
    }
}

void SshKeysModel::refresh()
{
    load(m_service.list());
}

void SshKeysModel::applyChanges(const ChangeSet &changes)
{
    if (changes.topic == InventoryService::kChangeTopic
        && !applyReads(changes, [this](const QString &id) { return m_service.find(id); }))
        refresh();
}

} // namespace keystead::ui
