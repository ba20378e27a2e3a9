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

// Rows kept by name, as a service that lists them so would order them.
class OrderedModel final : public ChangeTableModel<Item>
{
public:
    OrderedModel()
        : ChangeTableModel<Item>(2, nullptr)
    {
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role != Qt::DisplayRole || !index.isValid())
            return {};
        return index.column() == 0 ? rowAt(index.row()).id : rowAt(index.row()).name;
    }
    void load(QList<Item> items) { ChangeTableModel<Item>::load(std::move(items)); }
    QStringList names() const
    {
        QStringList list;
        for (const Item &item : rows())
            list.append(item.name);
        return list;
    }

protected:
    QString idOf(const Item &item) const override { return item.id; }
    bool sortsBefore(const Item &a, const Item &b) const override { return a.name < b.name; }
};

} // namespace

class TestChangeTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appliesChangesInPlace();
    void aChangedRowThatLeftTheTableIsRemoved();
    void orderedRowsAreInsertedAndMovedInPlace();
    void readsThatFailKeepTheRowAndSayWhy();
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

void TestChangeTableModel::orderedRowsAreInsertedAndMovedInPlace()
{
    QMap<QString, Item> store{{u"1"_s, {u"1"_s, u"bravo"_s}}, {u"2"_s, {u"2"_s, u"delta"_s}}};
    auto read = [&store](const QString &id) -> Result<Item> {
        if (!store.contains(id))
            return Error::notFound(u"no item %1"_s.arg(id));
        return store.value(id);
    };
    OrderedModel model;
    model.load({store.value(u"1"_s), store.value(u"2"_s)});
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);

    // A new row goes where the order puts it.
    store.insert(u"3"_s, {u"3"_s, u"charlie"_s});
    QVERIFY(model.applyReads(ChangeSet::addedOne(u"test.item"_s, u"3"_s), read));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.constFirst().at(1).toInt(), 1);
    QCOMPARE(model.names(), (QStringList{u"bravo"_s, u"charlie"_s, u"delta"_s}));

    // A renamed row moves to its new place, once; a change that keeps the order moves nothing.
    store[u"1"_s].name = u"echo"_s;
    QVERIFY(model.applyReads(ChangeSet::changedOne(u"test.item"_s, u"1"_s), read));
    QCOMPARE(moved.count(), 1);
    QCOMPARE(model.names(), (QStringList{u"charlie"_s, u"delta"_s, u"echo"_s}));
    store[u"3"_s].name = u"charlie 2"_s;
    QVERIFY(model.applyReads(ChangeSet::changedOne(u"test.item"_s, u"3"_s), read));
    QCOMPARE(moved.count(), 1);
    store[u"2"_s].name = u"alpha"_s;
    QVERIFY(model.applyReads(ChangeSet::changedOne(u"test.item"_s, u"2"_s), read));
    QCOMPARE(moved.count(), 2);
    QCOMPARE(model.names(), (QStringList{u"alpha"_s, u"charlie 2"_s, u"echo"_s}));
    QCOMPARE(resets.count(), 0);
}

void TestChangeTableModel::readsThatFailKeepTheRowAndSayWhy()
{
    OrderedModel model;
    // Before the first load nothing is applied: the caller loads instead.
    const auto broken = [](const QString &) -> Result<Item> { return Error::invalid(u"the store is away"_s); };
    QVERIFY(!model.applyReads(ChangeSet::changedOne(u"test.item"_s, u"a"_s), broken));
    model.load({{u"a"_s, u"kept"_s}, {u"b"_s, u"gone"_s}});
    QSignalSpy errors(&model, &ChangeTableModelBase::lastErrorChanged);

    QVERIFY(model.applyReads(ChangeSet{u"test.item"_s, {}, {u"a"_s}, {}}, broken));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.lastError(), u"the store is away"_s);
    QCOMPARE(errors.count(), 1);

    // NotFound: the row leaves, and reads work again.
    QVERIFY(model.applyReads(ChangeSet::changedOne(u"test.item"_s, u"b"_s),
                             [](const QString &id) -> Result<Item> { return Error::notFound(id); }));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.lastError(), QString());
    QCOMPARE(errors.count(), 2);
}

} // namespace keystead::ui

QTEST_GUILESS_MAIN(keystead::ui::TestChangeTableModel)
#include "tst_changetablemodel.moc"
