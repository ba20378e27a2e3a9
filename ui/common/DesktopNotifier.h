#pragma once

#include <QDBusConnection>
#include <QObject>

QT_BEGIN_NAMESPACE
class QSystemTrayIcon;
QT_END_NAMESPACE

namespace keystead::ui {

// Tells the operator something happened while the window may be hidden: through
// the desktop's notification service (org.freedesktop.Notifications over D-Bus)
// when there is one, else as a tray balloon where a system tray exists, else
// not at all. Never waits for an answer: the D-Bus call is asynchronous, and a
// refusal falls back to the tray.
class DesktopNotifier final : public QObject
{
    Q_OBJECT

public:
    enum class Channel { None, DBus, Tray };
    Q_ENUM(Channel)

    static constexpr QLatin1StringView kService{"org.freedesktop.Notifications"};
    static constexpr QLatin1StringView kPath{"/org/freedesktop/Notifications"};
    static constexpr QLatin1StringView kInterface{"org.freedesktop.Notifications"};

    // On the session bus.
    explicit DesktopNotifier(QObject *parent = nullptr);
    // On `bus` (a test's private bus).
    explicit DesktopNotifier(const QDBusConnection &bus, QObject *parent = nullptr);
    ~DesktopNotifier() override;

    // Shows `title` and `body`; returns the way it tried first.
    Channel notify(const QString &title, const QString &body);

Q_SIGNALS:
    // How a notification ended up shown (None: nowhere to show it).
    void shown(const QString &title, const QString &body, keystead::ui::DesktopNotifier::Channel channel);

private:
    Channel showInTray(const QString &title, const QString &body);

    QDBusConnection m_bus;
    bool m_dbusRefused = false; // the service answered with an error once: use the tray from now on
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace keystead::ui
