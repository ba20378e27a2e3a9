#include "TestDatabase.h"

#include "api/TokenService.h"
#include "store/Sql.h"

#include <QDirIterator>
#include <QSignalSpy>
#include <QSqlRecord>
#include <QtTest>

using namespace Qt::StringLiterals;
using namespace keystead;
using keystead::test::TestDatabase;

class TestTokens final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void createdTokenVerifies_data() { backends(); }
    void createdTokenVerifies();
    void secretIsNeverStored_data() { backends(); }
    void secretIsNeverStored();
    void wrongTokensFail_data() { backends(); }
    void wrongTokensFail();
    void revokedTokenFails_data() { backends(); }
    void revokedTokenFails();
    void badNamesChangeNothing_data();
    void badNamesChangeNothing();
    void activeNamesAreUnique();
    void lastUsedIsRecordedCoarsely();
    void scopesAreKept_data() { backends(); }
    void scopesAreKept();
    void scopeWords_data();
    void scopeWords();
    void tokensFromBeforeScopesReadAndWrite();

private:
    static void backends()
    {
        QTest::addColumn<QString>("backend");
        for (const QString &backend : keystead::test::storeBackends())
            QTest::newRow(qPrintable(backend)) << backend;
    }
    int tokenRows(Database &database)
    {
        Result<QSqlQuery> count = sql::exec(database.connection(), u"SELECT COUNT(*) FROM api_tokens"_s);
        return count && count.value().first() ? count.value().value(0).toInt() : -1;
    }
    ManualClock m_clock;
};

void TestTokens::createdTokenVerifies()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    QSignalSpy changed(&tokens, &TokenService::tokensChanged);

    const Result<NewApiToken> made = tokens.create(u"  deploy bot  "_s);
    KEYSTEAD_VERIFY_OK(made);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(made->token.name, u"deploy bot"_s);
    QVERIFY(made->secret.startsWith(u"kst_"_s));
    // 32 random bytes in unpadded base64url.
    QCOMPARE(made->secret.size(), 4 + 43);
    QCOMPARE(QByteArray::fromBase64(made->secret.mid(4).toLatin1(), QByteArray::Base64UrlEncoding).size(), 32);

    const std::optional<ApiToken> verified = tokens.verify(made->secret.toLatin1());
    QVERIFY(verified.has_value());
    QCOMPARE(verified->id, made->token.id);

    const Result<NewApiToken> second = tokens.create(u"other"_s);
    KEYSTEAD_VERIFY_OK(second);
    QVERIFY(second->secret != made->secret);
    const Result<QList<ApiToken>> all = tokens.list();
    KEYSTEAD_VERIFY_OK(all);
    QCOMPARE(all->size(), 2);
}

void TestTokens::secretIsNeverStored()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    const Result<NewApiToken> made = tokens.create(u"ci"_s);
    KEYSTEAD_VERIFY_OK(made);
    const QString secret = made->secret;
    const QString randomPart = secret.mid(4);

    Result<QSqlQuery> rows = sql::exec(store->database().connection(), u"SELECT * FROM api_tokens"_s);
    KEYSTEAD_VERIFY_OK(rows);
    int seen = 0;
    while (rows.value().next()) {
        ++seen;
        const QSqlRecord record = rows.value().record();
        for (int i = 0; i < record.count(); ++i) {
            const QString value = record.value(i).toString();
            QVERIFY2(!value.contains(randomPart), qPrintable(u"column %1 holds the secret"_s.arg(record.fieldName(i))));
        }
        // What is stored is the SHA-256 of the secret.
        QCOMPARE(record.value(u"token_hash"_s).toString(),
                 QString::fromLatin1(QCryptographicHash::hash(secret.toLatin1(), QCryptographicHash::Sha256).toHex()));
    }
    QCOMPARE(seen, 1);

    if (backend == u"sqlite"_s) {
        store->database().releaseThreadConnection();
        QDirIterator files(store->dataDir(), QDir::Files);
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(randomPart.toLatin1()), qPrintable(file.fileName()));
        }
    }
}

void TestTokens::wrongTokensFail()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    const Result<NewApiToken> made = tokens.create(u"ci"_s);
    KEYSTEAD_VERIFY_OK(made);
    QByteArray tampered = made->secret.toLatin1();
    tampered[tampered.size() - 1] = tampered.back() == 'A' ? 'B' : 'A';
    QVERIFY(!tokens.verify(tampered).has_value());
    QVERIFY(!tokens.verify(made->secret.toLatin1().chopped(1)).has_value());
    QVERIFY(!tokens.verify("").has_value());
    QVERIFY(!tokens.verify(QByteArray(10'000, 'k')).has_value());
    // The hash itself is no key.
    QVERIFY(!tokens.verify(QCryptographicHash::hash(made->secret.toLatin1(), QCryptographicHash::Sha256).toHex())
                 .has_value());
}

void TestTokens::revokedTokenFails()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    const Result<NewApiToken> made = tokens.create(u"temporary"_s);
    KEYSTEAD_VERIFY_OK(made);
    QSignalSpy changed(&tokens, &TokenService::tokensChanged);
    KEYSTEAD_VERIFY_OK(tokens.revoke(made->token.id));
    QCOMPARE(changed.count(), 1);
    QVERIFY(!tokens.verify(made->secret.toLatin1()).has_value());
    const Result<QList<ApiToken>> all = tokens.list();
    KEYSTEAD_VERIFY_OK(all);
    QCOMPARE(all->size(), 1);
    QVERIFY(!all->first().isActive());
    QCOMPARE(all->first().revokedAt, m_clock.now());

    const Status again = tokens.revoke(made->token.id);
    QVERIFY(!again.ok());
    QCOMPARE(again.error().kind, Error::Kind::NotFound);
    QVERIFY(!tokens.revoke(u"no-such-id"_s).ok());
    QCOMPARE(changed.count(), 1);
}

void TestTokens::badNamesChangeNothing_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("blank") << u"   "_s;
    QTest::newRow("too long") << QString(TokenService::kMaxNameLength + 1, u'n');
    QTest::newRow("control character") << u"evil\nname"_s;
}

void TestTokens::badNamesChangeNothing()
{
    QFETCH(QString, name);
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    QSignalSpy changed(&tokens, &TokenService::tokensChanged);
    const Result<NewApiToken> made = tokens.create(name);
    QVERIFY(!made.ok());
    QCOMPARE(made.error().kind, Error::Kind::InvalidInput);
    QCOMPARE(made.error().location, u"name"_s);
    QCOMPARE(tokenRows(store->database()), 0);
    QCOMPARE(changed.count(), 0);
}

void TestTokens::activeNamesAreUnique()
{
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    const Result<NewApiToken> first = tokens.create(u"backup"_s);
    KEYSTEAD_VERIFY_OK(first);
    const Result<NewApiToken> clash = tokens.create(u"backup"_s);
    QVERIFY(!clash.ok());
    QCOMPARE(clash.error().kind, Error::Kind::Conflict);
    QCOMPARE(tokenRows(store->database()), 1);
    // Once revoked, the name is free again.
    KEYSTEAD_VERIFY_OK(tokens.revoke(first->token.id));
    KEYSTEAD_VERIFY_OK(tokens.create(u"backup"_s));
}

void TestTokens::lastUsedIsRecordedCoarsely()
{
    ManualClock clock;
    auto store = TestDatabase::create(clock);
    QVERIFY(store);
    TokenService tokens(store->database());
    const Result<NewApiToken> made = tokens.create(u"monitor"_s);
    KEYSTEAD_VERIFY_OK(made);
    QVERIFY(tokens.list()->first().lastUsedAt.isNull());

    clock.advanceSeconds(5);
    QVERIFY(tokens.verify(made->secret.toLatin1()));
    const QDateTime firstUse = clock.now();
    QCOMPARE(tokens.list()->first().lastUsedAt, firstUse);
    clock.advanceSeconds(10); // within the resolution: no write
    QVERIFY(tokens.verify(made->secret.toLatin1()));
    QCOMPARE(tokens.list()->first().lastUsedAt, firstUse);
    clock.advanceSeconds(120);
    QVERIFY(tokens.verify(made->secret.toLatin1()));
    QCOMPARE(tokens.list()->first().lastUsedAt, clock.now());
}

void TestTokens::scopesAreKept()
{
    QFETCH(QString, backend);
    auto store = TestDatabase::create(backend, m_clock);
    QVERIFY(store);
    TokenService tokens(store->database());

    const Result<NewApiToken> reader = tokens.create(u"reader"_s, TokenScope::Read);
    KEYSTEAD_VERIFY_OK(reader);
    const Result<NewApiToken> all
        = tokens.create(u"auditor"_s, TokenScopes{TokenScope::Read, TokenScope::Write, TokenScope::RevealSecrets});
    KEYSTEAD_VERIFY_OK(all);
    const Result<NewApiToken> plain = tokens.create(u"default"_s);
    KEYSTEAD_VERIFY_OK(plain);
    QCOMPARE(plain->token.scopes, kDefaultTokenScopes);

    const std::optional<ApiToken> verifiedReader = tokens.verify(reader->secret.toLatin1());
    QVERIFY(verifiedReader);
    QVERIFY(verifiedReader->allows(TokenScope::Read));
    QVERIFY(!verifiedReader->allows(TokenScope::Write));
    QVERIFY(!verifiedReader->allows(TokenScope::RevealSecrets));
    const std::optional<ApiToken> verifiedAll = tokens.verify(all->secret.toLatin1());
    QVERIFY(verifiedAll);
    QVERIFY(verifiedAll->allows(TokenScope::RevealSecrets));

    const Result<QList<ApiToken>> listed = tokens.list();
    KEYSTEAD_VERIFY_OK(listed);
    QCOMPARE(listed->size(), 3);
    // Made in one instant of the test clock, so listed by id: look them up by name.
    QMap<QString, QString> scopesByName;
    for (const ApiToken &token : listed.value())
        scopesByName.insert(token.name, tokenScopeNames(token.scopes));
    QCOMPARE(scopesByName.value(u"reader"_s), u"read"_s);
    QCOMPARE(scopesByName.value(u"auditor"_s), u"read,write,reveal"_s);
    QCOMPARE(scopesByName.value(u"default"_s), u"read,write"_s);

    // A token that may do nothing is refused, and nothing is stored.
    QVERIFY(!tokens.create(u"nothing"_s, TokenScopes()));
    QCOMPARE(tokenRows(store->database()), 3);
}

void TestTokens::scopeWords_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("scopes");
    QTest::newRow("read") << u"read"_s << true << 1;
    QTest::newRow("reveal, read") << u"reveal, read"_s << true << 5;
    QTest::newRow("all") << u"read,write,reveal"_s << true << 7;
    QTest::newRow("unknown") << u"read,admin"_s << false << 0;
    QTest::newRow("twice") << u"read,read"_s << false << 0;
    QTest::newRow("empty") << QString() << false << 0;
    QTest::newRow("trailing comma") << u"read,"_s << false << 0;
}

void TestTokens::scopeWords()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(int, scopes);
    const Result<TokenScopes> parsed = parseTokenScopes(text);
    QCOMPARE(parsed.ok(), valid);
    if (valid)
        QCOMPARE(parsed->toInt(), static_cast<unsigned>(scopes));
    else
        QVERIFY(!parsed.error().message.isEmpty());
}

void TestTokens::tokensFromBeforeScopesReadAndWrite()
{
    // A token row written before schema step 5 (no scopes column) reads as read+write.
    auto store = TestDatabase::create(m_clock);
    QVERIFY(store);
    QSqlDatabase db = store->database().connection();
    KEYSTEAD_VERIFY_OK(sql::exec(
        db, u"INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)"_s,
        {u"old"_s, u"old token"_s, QString::fromLatin1(QByteArray(64, 'a')), sql::toStoreTime(m_clock.now())}));
    TokenService tokens(store->database());
    const Result<QList<ApiToken>> listed = tokens.list();
    KEYSTEAD_VERIFY_OK(listed);
    QCOMPARE(listed->size(), 1);
    QCOMPARE(listed->constFirst().scopes, kDefaultTokenScopes);
}

QTEST_GUILESS_MAIN(TestTokens)
#include "tst_tokens.moc"
