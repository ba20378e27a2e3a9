#include "UiTestSupport.h"

#include "ui/collect/CollectPanel.h"
#include "ui/collect/CollectSessionsModel.h"
#include "ui/collect/CollectTexts.h"
#include "ui/common/Translations.h"
#include "ui/shell/MainWindow.h"

#include <QAction>
#include <QFile>
#include <QListWidget>
#include <QTranslator>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;
using namespace keystead;
using namespace keystead::test;

class TestTranslations final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void germanLocaleGetsGerman();
    void englishNeedsNoCatalogue();
    void everyStringIsTranslated();

private:
    static QString translated(const char *context, const char *text)
    {
        return QCoreApplication::translate(context, text);
    }
};

void TestTranslations::cleanup()
{
    // Deleting a translator uninstalls it.
    qDeleteAll(qApp->findChildren<QTranslator *>(Qt::FindDirectChildrenOnly));
}

void TestTranslations::germanLocaleGetsGerman()
{
    QVERIFY(ui::installTranslations(*qApp, QLocale(QLocale::German, QLocale::Germany)));
    QCOMPARE(translated("keystead::ui::MainWindow", "Settings"), u"Einstellungen"_s);

    // And the window speaks it.
    const auto core = UiCore::create();
    QVERIFY(core);
    QTemporaryDir dir;
    QSettings windowSettings(dir.filePath(u"window.ini"_s), QSettings::IniFormat);
    ui::MainWindow window(core->services(), windowSettings);
    auto *navigation = window.findChild<QListWidget *>(u"navigation"_s);
    QCOMPARE(navigation->item(static_cast<int>(ui::MainWindow::Panel::Settings))->text(), u"Einstellungen"_s);
    QVERIFY(window.endpointStatusText().startsWith(u"HTTP-API"_s));
    // The collect panel too, with the words its states share (CollectTexts).
    QCOMPARE(window.collectServerAction()->text(), u"Sammelserver starten"_s);
    QCOMPARE(window.collectServerStatusText(), u"Sammelserver: gestoppt"_s);
    QCOMPARE(window.collectPanel().sessionsModel().headerData(ui::CollectSessionsModel::Identifier, Qt::Horizontal),
             QVariant(u"Verbindungskennung"_s));
    QCOMPARE(ui::CollectTexts::status(CollectStatus::Pending), u"ausstehend"_s);
    QCOMPARE(ui::CollectTexts::keyState(CollectKeyState::Discarded), u"verworfen"_s);

    // Austrian and Swiss German fall back to it.
    cleanup();
    QVERIFY(ui::installTranslations(*qApp, QLocale(QLocale::German, QLocale::Switzerland)));
    QCOMPARE(translated("keystead::ui::MainWindow", "Settings"), u"Einstellungen"_s);
}

void TestTranslations::englishNeedsNoCatalogue()
{
    QVERIFY(!ui::installTranslations(*qApp, QLocale(QLocale::English, QLocale::UnitedStates)));
    QCOMPARE(translated("keystead::ui::MainWindow", "Settings"), u"Settings"_s);
}

void TestTranslations::everyStringIsTranslated()
{
    const QString sourceDir = qEnvironmentVariable("KEYSTEAD_SOURCE_DIR");
    if (sourceDir.isEmpty())
        QSKIP("KEYSTEAD_SOURCE_DIR is not set (ctest sets it)");
    QFile file(sourceDir + u"/translations/keystead_de.ts"_s);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    int messages = 0;
    QString context;
    QString source;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == u"name"_s) {
            context = xml.readElementText();
        } else if (xml.name() == u"source"_s) {
            source = xml.readElementText();
        } else if (xml.name() == u"translation"_s) {
            const QString type = xml.attributes().value(u"type"_s).toString();
            const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            const QString where = context + u": "_s + source;
            QVERIFY2(type.isEmpty(), qPrintable(where + u" is "_s + type));
            QVERIFY2(!text.isEmpty(), qPrintable(where + u" has no translation"_s));
            // Placeholders survive translation.
            for (int n = 1; n <= 9; ++n) {
                const QString placeholder = u"%"_s + QString::number(n);
                QVERIFY2(source.contains(placeholder) == text.contains(placeholder), qPrintable(where));
            }
            ++messages;
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(messages > 50);
}

KEYSTEAD_UI_TEST_MAIN(TestTranslations)
#include "tst_translations.moc"
