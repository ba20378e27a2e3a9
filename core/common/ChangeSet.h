#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace keystead {

// What one write did to the objects of one kind: which ids it added, changed
// or removed. Every service announces its writes with one of these (its
// signal `changed(const keystead::ChangeSet &)`), and the ui's
// ChangeTableModel applies them row by row. The JSON form is what another
// process (a second console on the same PostgreSQL) will receive.
struct ChangeSet
{
    QString topic; // the kind of object, e.g. "inventory.key", "ca.certificate"
    QStringList added;
    QStringList changed;
    QStringList removed;

    static ChangeSet addedOne(const QString &topic, const QString &id) { return {topic, {id}, {}, {}}; }
    static ChangeSet changedOne(const QString &topic, const QString &id) { return {topic, {}, {id}, {}}; }
    static ChangeSet removedOne(const QString &topic, const QString &id) { return {topic, {}, {}, {id}}; }

    bool isEmpty() const { return added.isEmpty() && changed.isEmpty() && removed.isEmpty(); }

    QJsonObject toJson() const
    {
        return {{QStringLiteral("topic"), topic},
                {QStringLiteral("added"), QJsonArray::fromStringList(added)},
                {QStringLiteral("changed"), QJsonArray::fromStringList(changed)},
                {QStringLiteral("removed"), QJsonArray::fromStringList(removed)}};
    }

    static ChangeSet fromJson(const QJsonObject &json)
    {
        auto ids = [&json](const QString &name) {
            QStringList list;
            for (const QJsonValue &value : json.value(name).toArray())
                if (value.isString())
                    list.append(value.toString());
            return list;
        };
        return {json.value(QStringLiteral("topic")).toString(), ids(QStringLiteral("added")),
                ids(QStringLiteral("changed")), ids(QStringLiteral("removed"))};
    }

    friend bool operator==(const ChangeSet &, const ChangeSet &) = default;
};

} // namespace keystead

Q_DECLARE_METATYPE(keystead::ChangeSet)
