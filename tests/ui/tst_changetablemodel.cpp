// ui/common/ChangeTableModel: a service's ChangeSet is applied row by row,
// never as a reset, so views keep their selection and scroll position.
#include "ui/common/ChangeTableModel.h"

#include <QMap>
#include <QSignalSpy>
#include <QtTest>

using namespace Qt::StringLiterals;

namespace keystead::ui {
namespace {

struct Item
{
    QString id;
    QString name;
};

class ItemsModel final : public ChangeTableModel<Item>
{
public:
    int columnCount(const QModelIndex & = {}) const override { return 2; }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role != Qt::DisplayRole || !index.isValid())
            return {};
        return index.column() == 0 ? rowAt(index.row()).id : rowAt(index.row()).name;
    }
    void load(QList<Item> items) { resetRows(std::move(items)); }

protected:
    QString idOf(const Item &item) const override { return item.id; }
};

} // namespace

class TestChangeTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appliesChangesInPlace();
    void aChangedRowThatLeftTheTableIsRemoved();
};

void TestChangeTableModel::appliesChangesInPlace()
{
    // What the "service" holds now; fetch reads one object from it.
    QMap<QString, Item> store{
        {u"1"_s, {u"1"_s, u"one"_s}}, {u"2"_s, {u"2"_s, u"two"_s}}, {u"3"_s, {u"3"_s, u"three"_s}}};
    auto fetch = [&store](const QString &id) -> std::optional<Item> {
        if (!store.contains(id))
            return std::nullopt;
        return store.value(id);
    };
    ItemsModel model;
    model.load(store.values());
    QCOMPARE(model.rowCount(), 3);

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    store.insert(u"4"_s, {u"4"_s, u"four"_s});
    store[u"2"_s].name = u"TWO"_s;
    store.remove(u"1"_s);
    model.apply(ChangeSet{u"test.item"_s, {u"4"_s}, {u"2"_s}, {u"1"_s}}, fetch);

    QCOMPARE(resets.count(), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0); // row 0 ("1") left
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.indexOfId(u"1"_s), -1);
    QCOMPARE(model.data(model.index(model.indexOfId(u"2"_s), 1), Qt::DisplayRole).toString(), u"TWO"_s);
    QCOMPARE(model.data(model.index(model.indexOfId(u"4"_s), 1), Qt::DisplayRole).toString(), u"four"_s);

    // An announcement for an id already applied (another instance's echo) changes nothing twice.
    model.apply(ChangeSet::addedOne(u"test.item"_s, u"4"_s), fetch);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(inserted.count(), 1);
    // Removing what is not there is harmless.
    model.apply(ChangeSet::removedOne(u"test.item"_s, u"99"_s), fetch);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(resets.count(), 0);
}

void TestChangeTableModel::aChangedRowThatLeftTheTableIsRemoved()
{
    ItemsModel model;
    model.load({{u"a"_s, u"kept"_s}, {u"b"_s, u"filtered out now"_s}});
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // The fetch answers nullopt: the object no longer belongs in this table (deleted, or outside its filter).
    model.apply(ChangeSet::changedOne(u"test.item"_s, u"b"_s),
                [](const QString &) -> std::optional<Item> { return std::nullopt; });
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.rowAt(0).id, u"a"_s);
}

} // namespace keystead::ui

QTEST_GUILESS_MAIN(keystead::ui::TestChangeTableModel)
#include "tst_changetablemodel.moc"
