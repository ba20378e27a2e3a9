#pragma once

#include "TestDatabase.h"

#include "UiServices.h"
#include "api/ApiEndpoint.h"
#include "api/ApiRouter.h"
#include "api/SystemController.h"
#include "api/TokenService.h"
#include "store/SettingsStore.h"

#include <QApplication>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

namespace keystead::test {

// The core objects a window needs, on a fresh store, built as app/Services builds them.
struct UiCore
{
    ManualClock clock;
    std::unique_ptr<TestDatabase> store;
    std::unique_ptr<SettingsStore> settings;
    std::unique_ptr<TokenService> tokens;
    std::unique_ptr<ApiRouter> router;
    std::unique_ptr<SystemController> system;
    std::unique_ptr<ApiEndpoint> endpoint;

    static std::unique_ptr<UiCore> create()
    {
        auto core = std::make_unique<UiCore>();
        core->store = TestDatabase::create(core->clock);
        if (!core->store)
            return nullptr;
        Database &database = core->store->database();
        core->settings = std::make_unique<SettingsStore>(database);
        core->tokens = std::make_unique<TokenService>(database);
        core->router = std::make_unique<ApiRouter>(*core->tokens, core->clock);
        core->system = std::make_unique<SystemController>(*core->router);
        core->endpoint = std::make_unique<ApiEndpoint>(*core->router, database);
        return core;
    }

    ~UiCore()
    {
        // The endpoint's thread calls into the others: it goes first.
        endpoint.reset();
    }

    ui::UiServices services() { return ui::UiServices{*settings, *tokens, *endpoint, clock}; }
};

// Keeps a test away from the user's files and session: QStandardPaths test
// mode (so QSettings writes under ~/.qttest), a private XDG_RUNTIME_DIR, offscreen.
inline int runUiTest(QObject &test, int argc, char **argv)
{
    QTemporaryDir runtimeDir; // created 0700, as the XDG spec asks
    qputenv("XDG_RUNTIME_DIR", runtimeDir.path().toLocal8Bit());
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication application(argc, argv);
    return QTest::qExec(&test, argc, argv);
}

} // namespace keystead::test

#define KEYSTEAD_UI_TEST_MAIN(TestClass)                                                                               \
    int main(int argc, char **argv)                                                                                    \
    {                                                                                                                  \
        TestClass test;                                                                                                \
        return keystead::test::runUiTest(test, argc, argv);                                                            \
    }
