#include "UiTestSupport.h"

#include "ui/settings/TokensModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;
using keystead::ui::TokensModel;

class TestTokensModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void followsTheServiceUnderTheTester();
    void columnsAndRoles();
    void keepsRowsWhenTokensAreAddedOrChanged();
    void refreshPicksUpLastUse();
    void sortsByRawValues();

private:
    NewApiToken create(const QString &name)
    {
        Result<NewApiToken> made = m_core->tokens->create(name);
        if (!made)
            qFatal("cannot create a token: %s", qPrintable(made.error().message));
        return made.value();
    }

    std::unique_ptr<UiCore> m_core;
    std::unique_ptr<TokensModel> m_model;
};

void TestTokensModel::init()
{
    m_core = UiCore::create();
    QVERIFY(m_core);
    m_model = std::make_unique<TokensModel>(*m_core->tokens);
}

void TestTokensModel::cleanup()
{
    m_model.reset();
    m_core.reset();
}

void TestTokensModel::followsTheServiceUnderTheTester()
{
    QAbstractItemModelTester tester(m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(m_model->rowCount(), 0);
    QCOMPARE(m_model->columnCount(), 5);

    QSignalSpy changed(m_core->tokens.get(), &TokenService::tokensChanged);
    // Tokens made in the same instant are listed by id: a new one may land
    // between old ones, which the model answers with a reset.
    QStringList ids;
    for (int i = 0; i < 6; ++i) {
        ids.append(create(u"token %1"_s.arg(i)).token.id);
        if (i % 2)
            m_core->clock.advanceSeconds(1);
    }
    QCOMPARE(changed.count(), 6);
    QCOMPARE(m_model->rowCount(), 6);
    for (const QString &id : std::as_const(ids))
        QVERIFY(m_model->rowOf(id) >= 0);

    KEYSTEAD_VERIFY_OK(m_core->tokens->revoke(ids.at(2)));
    QCOMPARE(changed.count(), 7);
    QCOMPARE(m_model->index(m_model->rowOf(ids.at(2)), TokensModel::State).data().toString(), u"revoked"_s);
    m_model->refresh();
    QCOMPARE(m_model->rowCount(), 6);
}

void TestTokensModel::columnsAndRoles()
{
    const NewApiToken made = create(u"ci"_s);
    QCOMPARE(m_model->headerData(TokensModel::Name, Qt::Horizontal).toString(), u"Name"_s);
    QCOMPARE(m_model->headerData(TokensModel::Created, Qt::Horizontal).toString(), u"Created"_s);
    QCOMPARE(m_model->headerData(TokensModel::LastUsed, Qt::Horizontal).toString(), u"Last used"_s);
    QCOMPARE(m_model->headerData(TokensModel::State, Qt::Horizontal).toString(), u"State"_s);
    QCOMPARE(m_model->headerData(TokensModel::Scopes, Qt::Horizontal).toString(), u"May"_s);
    QCOMPARE(m_model->index(0, TokensModel::Scopes).data().toString(), u"read, write"_s);

    const QModelIndex name = m_model->index(0, TokensModel::Name);
    QCOMPARE(name.data().toString(), u"ci"_s);
    QCOMPARE(name.data(TokensModel::IdRole).toString(), made.token.id);
    QCOMPARE(m_model->index(0, TokensModel::Created).data(TokensModel::SortRole).toDateTime(), m_core->clock.now());
    QCOMPARE(m_model->index(0, TokensModel::Created).data().toString(),
             m_core->clock.now().toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s));
    QCOMPARE(m_model->index(0, TokensModel::LastUsed).data().toString(), u"never"_s);
    QVERIFY(m_model->index(0, TokensModel::LastUsed).data(TokensModel::SortRole).toDateTime().isNull());
    QCOMPARE(m_model->index(0, TokensModel::State).data().toString(), u"active"_s);
    QCOMPARE(m_model->index(0, TokensModel::State).data(TokensModel::SortRole).toBool(), true);
    QVERIFY(!m_model->index(0, TokensModel::State).data(Qt::ForegroundRole).isValid());

    KEYSTEAD_VERIFY_OK(m_core->tokens->revoke(made.token.id));
    QCOMPARE(m_model->index(0, TokensModel::State).data(TokensModel::SortRole).toBool(), false);
    QVERIFY(m_model->index(0, TokensModel::State).data(Qt::ToolTipRole).toString().startsWith(u"Revoked on "_s));
    QVERIFY(m_model->index(0, TokensModel::Name).data(Qt::ForegroundRole).isValid());

    // A token that may reveal secrets says so where the operator looks.
    QVERIFY(!m_model->index(0, TokensModel::Scopes).data(Qt::ToolTipRole).isValid());
    const Result<NewApiToken> revealing
        = m_core->tokens->create(u"auditor"_s, TokenScopes{TokenScope::Read, TokenScope::RevealSecrets});
    KEYSTEAD_VERIFY_OK(revealing);
    const int revealingRow = m_model->rowOf(revealing->token.id);
    QCOMPARE(m_model->index(revealingRow, TokensModel::Scopes).data().toString(), u"read, reveal secrets"_s);
    QVERIFY(
        m_model->index(revealingRow, TokensModel::Scopes).data(Qt::ToolTipRole).toString().contains(u"plain text"_s));
}

void TestTokensModel::keepsRowsWhenTokensAreAddedOrChanged()
{
    const NewApiToken first = create(u"first"_s);
    m_core->clock.advanceSeconds(1);
    QSignalSpy reset(m_model.get(), &TokensModel::modelReset);
    QSignalSpy inserted(m_model.get(), &TokensModel::rowsInserted);
    QSignalSpy changed(m_model.get(), &TokensModel::dataChanged);

    create(u"second"_s);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.constFirst().at(1).toInt(), 1);
    QCOMPARE(inserted.constFirst().at(2).toInt(), 1);

    KEYSTEAD_VERIFY_OK(m_core->tokens->revoke(first.token.id));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.constFirst().at(0).toModelIndex().row(), 0);
    QCOMPARE(changed.constFirst().at(1).toModelIndex().row(), 0);
    QCOMPARE(reset.count(), 0);

    // Nothing changed: nothing announced.
    m_model->refresh();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(reset.count(), 0);
}

void TestTokensModel::refreshPicksUpLastUse()
{
    const NewApiToken made = create(u"used"_s);
    m_core->clock.advanceSeconds(120);
    QVERIFY(m_core->tokens->verify(made.secret.toLatin1()));
    // verify() records the use without a signal.
    QCOMPARE(m_model->index(0, TokensModel::LastUsed).data().toString(), u"never"_s);
    QSignalSpy changed(m_model.get(), &TokensModel::dataChanged);
    m_model->refresh();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m_model->index(0, TokensModel::LastUsed).data(TokensModel::SortRole).toDateTime(), m_core->clock.now());
    QVERIFY(m_model->lastError().isEmpty());
}

void TestTokensModel::sortsByRawValues()
{
    create(u"beta"_s);
    m_core->clock.advanceSeconds(1);
    const NewApiToken alpha = create(u"Alpha"_s);
    m_core->clock.advanceSeconds(1);
    create(u"gamma"_s);
    KEYSTEAD_VERIFY_OK(m_core->tokens->revoke(alpha.token.id));

    QSortFilterProxyModel sorted;
    sorted.setSourceModel(m_model.get());
    sorted.setSortRole(TokensModel::SortRole);
    sorted.setSortCaseSensitivity(Qt::CaseInsensitive);
    QAbstractItemModelTester tester(&sorted, QAbstractItemModelTester::FailureReportingMode::QtTest);

    const auto names = [&sorted] {
        QStringList shown;
        for (int row = 0; row < sorted.rowCount(); ++row)
            shown.append(sorted.index(row, TokensModel::Name).data().toString());
        return shown;
    };
    sorted.sort(TokensModel::Name, Qt::AscendingOrder);
    QCOMPARE(names(), (QStringList{u"Alpha"_s, u"beta"_s, u"gamma"_s}));
    sorted.sort(TokensModel::Created, Qt::DescendingOrder);
    QCOMPARE(names(), (QStringList{u"gamma"_s, u"Alpha"_s, u"beta"_s}));
    // Revoked (false) before active (true).
    sorted.sort(TokensModel::State, Qt::AscendingOrder);
    QCOMPARE(names().constFirst(), u"Alpha"_s);
}

KEYSTEAD_UI_TEST_MAIN(TestTokensModel)
#include "tst_tokensmodel.moc"
