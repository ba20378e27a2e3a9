#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;

// `keystead` with no command opens the window; its command line is checked
// before any display is needed, so these run with none at all.
class TestWindowCommand final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void badCommandLineIsAUsageError_data();
    void badCommandLineIsAUsageError();
    void helpNeedsNoDisplay();

private:
    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    Run run(const QStringList &arguments) const
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString &name : {u"DISPLAY"_s, u"WAYLAND_DISPLAY"_s, u"QT_QPA_PLATFORM"_s})
            environment.remove(name);
        environment.insert(u"KEYSTEAD_DATA_DIR"_s, m_dataDir.path());
        process.setProcessEnvironment(environment);
        process.start(m_binary, arguments);
        Run result;
        if (!process.waitForFinished(30'000)) {
            process.kill();
            process.waitForFinished();
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        return result;
    }

    QString m_binary;
    QTemporaryDir m_dataDir;
};

void TestWindowCommand::initTestCase()
{
    m_binary = qEnvironmentVariable("KEYSTEAD_BINARY");
    if (m_binary.isEmpty())
        QSKIP("KEYSTEAD_BINARY is not set (ctest sets it)");
    QVERIFY(QFileInfo(m_binary).isExecutable());
    QVERIFY(m_dataDir.isValid());
}

void TestWindowCommand::badCommandLineIsAUsageError_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("mentions");
    QTest::newRow("unknown flag") << QStringList{u"--bogus"_s} << QByteArray("bogus");
    QTest::newRow("stray argument") << QStringList{u"stray"_s} << QByteArray("stray");
    QTest::newRow("missing value") << QStringList{u"--data-dir"_s} << QByteArray("data-dir");
    QTest::newRow("stray after options") << QStringList{u"--database"_s, u"sqlite:"_s, u"extra"_s}
                                         << QByteArray("extra");
}

void TestWindowCommand::badCommandLineIsAUsageError()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, mentions);
    const Run result = run(arguments);
    QCOMPARE(result.exitCode, 2);
    QVERIFY(result.out.isEmpty());
    QVERIFY2(result.err.startsWith("keystead: "), result.err.constData());
    QVERIFY2(result.err.count('\n') == 1 && result.err.endsWith('\n'), result.err.constData());
    QVERIFY2(result.err.contains(mentions), result.err.constData());
}

void TestWindowCommand::helpNeedsNoDisplay()
{
    const Run result = run({u"--data-dir"_s, m_dataDir.path(), u"--help"_s});
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.startsWith("Usage: keystead [options]"), result.out.constData());
    QVERIFY(result.out.contains("--database"));
    QVERIFY(result.err.isEmpty());
}

QTEST_GUILESS_MAIN(TestWindowCommand)
#include "tst_windowcommand.moc"
