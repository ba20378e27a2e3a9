#pragma once

#include "common/Result.h"
#include "hostkeys/HostKeyRecords.h"

#include <QDialog>
#include <QThreadPool>

#include <atomic>

QT_BEGIN_NAMESPACE
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
QT_END_NAMESPACE

namespace keystead {
class HostKeyStore;
class SshSettingsService;
} // namespace keystead

namespace keystead::ui {

class ScanResultsModel;

// Scans one host or a list (one "host[:port]" or "[v6]:port" a line) for the
// host keys it offers, off the GUI thread (a few hosts at a time), and shows
// what it found beside what is trusted. New keys are trusted with a click; a
// changed key only through "Replace trusted key", which names both fingerprints.
class ScanHostsDialog final : public QDialog
{
    Q_OBJECT

public:
    ScanHostsDialog(HostKeyStore &store, SshSettingsService &settings, QWidget *parent = nullptr);
    ~ScanHostsDialog() override;

    void setTargetsText(const QString &text);
    QString targetsText() const;
    // How many hosts are scanned at once (1 to 16; 4 unless told).
    void setParallelism(int hosts);

    // Scans what the text box lists; false when a scan runs or nothing valid is listed (the problems shown).
    bool startScan();
    // Stops after the connections under way: hosts not started yet report "cancelled".
    void cancel();
    bool isScanning() const { return m_pending > 0; }
    int scannedHosts() const { return m_done; }

    ScanResultsModel &results() const { return *m_results; }
    // Trusts a new key of the results (origin "scan"); a trusted or changed row is refused.
    Status trustRow(int row);
    // Trusts every new key; changed keys stay as they are. Returns how many were trusted.
    int trustAllNew();
    // Asks first, naming the trusted and the offered fingerprint; on yes deletes the
    // trusted key and trusts the offered one (both audited). Only for a changed row.
    Status replaceTrustedKey(int row);
    int selectedRow() const; // -1 with none
    bool selectRow(int row);

    QString errorText() const;
    QString statusText() const;

Q_SIGNALS:
    void hostScanned(const keystead::ScanResult &result);
    void scanFinished();

private:
    void hostDone(ScanResult result);
    void updateActions();
    void showError(const QString &message);

    HostKeyStore &m_store;
    SshSettingsService &m_settings;
    QThreadPool m_pool;
    std::atomic<bool> m_cancel = false;
    int m_pending = 0;
    int m_done = 0;
    int m_total = 0;

    ScanResultsModel *m_results = nullptr;
    QPlainTextEdit *m_targets = nullptr;
    QProgressBar *m_progress = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_scan = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QPushButton *m_trust = nullptr;
    QPushButton *m_trustAll = nullptr;
    QPushButton *m_replace = nullptr;
};

} // namespace keystead::ui
