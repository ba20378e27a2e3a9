#pragma once

#include "common/Result.h"
#include "connections/ConnectionRecord.h"

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTreeWidget;
QT_END_NAMESPACE

namespace keystead {
class Clock;
class ConnectionService;
} // namespace keystead

namespace keystead::ui {

// What the Connections panel and its detail work with (the window passes them in).
struct ConnectionsPanelServices
{
    ConnectionService &connections;
    const Clock &clock;
};

class TrailTerminalView;

// One connection in detail: its tags (editable), its trail as a timeline, what
// its terminal showed, replayed, and the rest of its fields. The operations (verify,
// export, disconnect, save tags) are public and ask nothing, so tests drive
// them; the buttons wrap them in a file chooser and a confirmation.
class ConnectionDetail final : public QWidget
{
    Q_OBJECT

public:
    enum TimelineColumn { TimeColumn, ChannelColumn, EventColumn, SummaryColumn, TimelineColumnCount };

    explicit ConnectionDetail(ConnectionsPanelServices services, QWidget *parent = nullptr);

    // Reads the connection and its trail; an empty id shows nothing.
    Status showConnection(const QString &id);
    // Reads again what is shown: a live connection moves on. New trail events are appended.
    Status refresh();
    QString connectionId() const { return m_record.id; }
    const ConnectionRecord &record() const { return m_record; }

    // The trail as read (every channel), and the channel the timeline, the terminal and the export show (empty: all).
    const QList<TrailEvent> &trailEvents() const { return m_events; }
    QString trailChannel() const;
    void setTrailChannel(const QString &channelId);
    // The timeline's rows for the channel shown.
    int timelineRowCount() const;
    QString terminalText() const;

    // Replaces the connection's tags with those in the tags field (comma separated).
    Status saveTags();
    // Checks the hash chain and shows the answer above the timeline.
    Result<TrailVerification> verifyTrail();
    QString verificationText() const;
    // Writes the log of the channel shown as jsonl, exactly as the HTTP download
    // serves it; with all channels shown, every channel's lines in trail order.
    Status exportTrail(const QString &path);
    // Ends the live connection, recorded as asked from the console.
    Status disconnectConnection();
    // What the detail shows under its views; empty when all went well.
    QString errorText() const;

    // Output bytes as a terminal would have shown them: carriage returns,
    // backspaces and line erases applied, colours and other escape sequences dropped.
    static QString renderTerminal(const QByteArray &output);
    // One line of the timeline for an event: key fingerprints, texts with their control characters made visible.
    static QString eventSummary(const TrailEvent &event);
    static QStringList splitTags(const QString &text);

private:
    QWidget *createFieldsTab();
    void createTrailTabs();
    void showRecord();
    void rebuildTimeline();
    void appendTimeline(qsizetype from);
    void updateTerminal();
    void updateChannels();
    void updateDuration();
    void updateButtons();
    void showError(const QString &message);
    void clearVerification();
    void chooseExportFile();
    void confirmDisconnect();

    ConnectionsPanelServices m_services;
    ConnectionRecord m_record;
    QList<TrailEvent> m_events;
    qint64 m_brokenAt = 0;

    QLabel *m_title = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_verify = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_disconnect = nullptr;
    QLabel *m_verification = nullptr;

    QLabel *m_id = nullptr;
    QLabel *m_user = nullptr;
    QLabel *m_session = nullptr;
    QLabel *m_remote = nullptr;
    QLabel *m_clientVersion = nullptr;
    QLabel *m_methods = nullptr;
    QLabel *m_connected = nullptr;
    QLabel *m_disconnected = nullptr;
    QLabel *m_duration = nullptr;
    QLabel *m_lastActivity = nullptr;
    QLabel *m_bytes = nullptr;
    QLabel *m_channelsField = nullptr;
    QLabel *m_instance = nullptr;
    QLineEdit *m_tags = nullptr;
    QPushButton *m_saveTags = nullptr;

    QComboBox *m_channel = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTreeWidget *m_timeline = nullptr;
    TrailTerminalView *m_terminal = nullptr;

    QLabel *m_error = nullptr;
    QTimer m_ticker;
};

} // namespace keystead::ui
