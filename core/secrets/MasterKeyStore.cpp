#include "secrets/MasterKeyStore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>
#include <QTimer>
#include <QUuid>
#include <QWaitCondition>

#include <qt6keychain/keychain.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace keystead {

namespace {

constexpr int kKeychainTimeoutMs = 15'000;
// Another Keystead process may be rewriting the key file; it takes milliseconds.
constexpr int kFileLockTimeoutMs = 5'000;
// A key file holds a few lines; anything larger is not one.
constexpr qsizetype kMaxKeyFileBytes = 64 * 1024;

void wipe(QByteArray &bytes)
{
    // In place, even when the buffer is shared: every copy of key material goes with it.
    if (!bytes.isEmpty())
        OPENSSL_cleanse(const_cast<char *>(bytes.constData()), static_cast<size_t>(bytes.size()));
    bytes.clear();
}

// Key ids go into file lines, keychain entry names and sealed texts: no spaces, no colons.
bool isValidKeyId(const QString &keyId)
{
    if (keyId.isEmpty() || keyId.size() > 128)
        return false;
    for (const QChar c : keyId) {
        const char16_t u = c.unicode();
        const bool allowed = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
            || u == u'-' || u == u'_' || u == u'.';
        if (!allowed)
            return false;
    }
    return true;
}

Status checkKeyId(const QString &keyId)
{
    if (!isValidKeyId(keyId))
        return Error::invalid(u"a master key id is made of letters, digits, '-', '_' and '.'"_s);
    return {};
}

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

class UniqueFd final
{
public:
    explicit UniqueFd(int fd = -1)
        : m_fd(fd)
    {
    }
    ~UniqueFd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;

    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }
    // Closes now and reports whether the kernel accepted the close.
    bool close()
    {
        const int fd = m_fd;
        m_fd = -1;
        return fd < 0 || ::close(fd) == 0;
    }

private:
    int m_fd;
};

// ---- the OS keychain ------------------------------------------------------------------------------------------

enum class KeychainOperation { Read, Write, Remove };

// Shared between the caller and the job, which may outlive a caller that gave up waiting.
struct KeychainCall
{
    QMutex mutex;
    QWaitCondition finished;
    bool done = false;
    QKeychain::Error error = QKeychain::NoError;
    QString errorString;
    QByteArray data;
    QEventLoop *loop = nullptr; // set while the application's thread itself waits
};

QString keychainEntryName(const QString &keyId)
{
    return u"vault-master-key/"_s + keyId;
}

QString noKeychainMessage(const QString &detail)
{
    QString reason = detail;
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        reason = reason.isEmpty() ? u"there is no D-Bus session bus"_s : reason + u"; there is no D-Bus session bus"_s;
    return u"no keychain answers (%1); set KEYSTEAD_MASTER_KEY_FILE to a file only you can read, "
           "and the vault keeps its master key there"_s.arg(reason.isEmpty() ? u"no reason given"_s : reason);
}

// Runs one QtKeychain job to its end and reports how it ended.
//
// Every job runs in the application's thread. QtKeychain queues its jobs through one
// object that lives in the thread of the first job ever started and learns through
// queued signals that a job ended: a job run in a thread that later ends would leave
// every later job waiting forever. The application's thread lives as long as the process.
Status runKeychainJob(KeychainOperation operation, const QString &service, const QString &entry, const QByteArray &text,
                      QByteArray *read)
{
    QCoreApplication *application = QCoreApplication::instance();
    if (!application)
        return Error::unavailable(noKeychainMessage(u"the OS keychain needs a running Qt application"_s));

    auto call = std::make_shared<KeychainCall>();
    auto start = [call, operation, service, entry, text]() {
        QKeychain::Job *job = nullptr;
        switch (operation) {
        case KeychainOperation::Read: job = new QKeychain::ReadPasswordJob(service); break;
        case KeychainOperation::Write: {
            auto *write = new QKeychain::WritePasswordJob(service);
            write->setTextData(QString::fromLatin1(text));
            job = write;
            break;
        }
        case KeychainOperation::Remove: job = new QKeychain::DeletePasswordJob(service); break;
        }
        job->setAutoDelete(false);
        // Never a plain-text copy in QSettings when the keychain does not answer.
        job->setInsecureFallback(false);
        job->setKey(entry);
        QObject::connect(job, &QKeychain::Job::finished, job, [call](QKeychain::Job *ended) {
            QByteArray data;
            if (auto *reader = qobject_cast<QKeychain::ReadPasswordJob *>(ended))
                data = reader->binaryData();
            ended->deleteLater();
            QMutexLocker lock(&call->mutex);
            call->done = true;
            call->error = ended->error();
            call->errorString = ended->errorString();
            call->data = std::move(data);
            call->finished.wakeAll();
            if (call->loop)
                call->loop->quit();
        });
        job->start();
    };

    if (QThread::currentThread() == application->thread()) {
        QEventLoop loop;
        {
            QMutexLocker lock(&call->mutex);
            call->loop = &loop;
        }
        start();
        QTimer::singleShot(kKeychainTimeoutMs, &loop, &QEventLoop::quit);
        bool done = false;
        {
            QMutexLocker lock(&call->mutex);
            done = call->done;
        }
        if (!done)
            loop.exec(QEventLoop::ExcludeUserInputEvents);
    } else {
        QMetaObject::invokeMethod(application, start, Qt::QueuedConnection);
        QMutexLocker lock(&call->mutex);
        const QDeadlineTimer deadline(kKeychainTimeoutMs);
        while (!call->done && call->finished.wait(&call->mutex, deadline)) { }
    }

    QMutexLocker lock(&call->mutex);
    call->loop = nullptr;
    if (!call->done)
        return Error::unavailable(
            noKeychainMessage(u"the keychain did not answer within %1 seconds"_s.arg(kKeychainTimeoutMs / 1000)));

    switch (call->error) {
    case QKeychain::NoError:
        if (read)
            *read = std::move(call->data);
        wipe(call->data);
        return {};
    case QKeychain::EntryNotFound:
        return Error::notFound(u"the OS keychain has no entry \"%1\" for the service \"%2\" "
                               "(a locked keyring hides its entries too)"_s.arg(entry, service));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return Error::unavailable(u"the OS keychain refused access to \"%1\": %2"_s.arg(entry, call->errorString));
    default: return Error::unavailable(noKeychainMessage(call->errorString));
    }
}

// ---- the key file ---------------------------------------------------------------------------------------------

QString keyFileOpenToOthers(const QString &path, mode_t mode)
{
    return u"the master key file %1 may be used by other users (mode %2); allow only its owner "
           "(chmod 600 %1), and if others may have read it, rotate the vault's master key"_s.arg(path)
               .arg(QString::number(mode & 07777, 8).rightJustified(4, u'0'));
}

// Checks, on the open descriptor, what makes a key file trustworthy.
Status checkKeyFileDescriptor(int fd, const QString &path)
{
    struct stat info
    {
    };
    if (::fstat(fd, &info) != 0)
        return Error::unavailable(u"cannot inspect the master key file %1: %2"_s.arg(path, systemError(errno)));
    if (!S_ISREG(info.st_mode))
        return Error::unavailable(u"the master key file %1 must be a plain file"_s.arg(path));
    if (info.st_uid != ::geteuid())
        return Error::unavailable(u"the master key file %1 belongs to another user"_s.arg(path));
    if ((info.st_mode & 077) != 0)
        return Error::unavailable(keyFileOpenToOthers(path, info.st_mode));
    return {};
}

// The file's bytes; NotFound when it does not exist. A link, anything but a plain
// file, or a file others may read or write is refused.
Result<QByteArray> readKeyFile(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    // O_NONBLOCK: a FIFO in its place must not hang the open; it is refused below.
    UniqueFd fd(::open(native.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) {
        const int error = errno;
        if (error == ENOENT)
            return Error::notFound(u"the master key file %1 does not exist"_s.arg(path));
        if (error == ELOOP)
            return Error::unavailable(u"the master key file %1 must be a plain file, not a link"_s.arg(path));
        return Error::unavailable(u"cannot open the master key file %1: %2"_s.arg(path, systemError(error)));
    }
    if (Status trusted = checkKeyFileDescriptor(fd.get(), path); !trusted)
        return trusted.error();

    QByteArray content;
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            const int error = errno;
            wipe(content);
            OPENSSL_cleanse(buffer, sizeof buffer);
            return Error::unavailable(u"cannot read the master key file %1: %2"_s.arg(path, systemError(error)));
        }
        if (got == 0)
            break;
        content.append(buffer, static_cast<qsizetype>(got));
        if (content.size() > kMaxKeyFileBytes) {
            wipe(content);
            OPENSSL_cleanse(buffer, sizeof buffer);
            return Error::unavailable(u"the master key file %1 is too large to be a key file"_s.arg(path));
        }
    }
    OPENSSL_cleanse(buffer, sizeof buffer);
    return content;
}

// One line of the file: "<key id> <base64 key>"; blank lines and '#' comments are kept as they are.
struct KeyFileLine
{
    QByteArray text;
    QString keyId; // empty for a blank line or comment
};

Result<QList<KeyFileLine>> parseKeyFile(const QByteArray &content, const QString &path)
{
    QList<KeyFileLine> lines;
    const QList<QByteArray> raw = content.split('\n');
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QByteArray trimmed = raw.at(i).trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith('#')) {
            if (i + 1 < raw.size() || !raw.at(i).isEmpty())
                lines.append({raw.at(i), {}});
            continue;
        }
        const QList<QByteArray> fields = trimmed.simplified().split(' ');
        if (fields.size() != 2 || !isValidKeyId(QString::fromLatin1(fields.at(0))))
            return Error::unavailable(
                u"the master key file %1 is damaged at line %2: expected \"<key id> <base64 key>\""_s.arg(path).arg(
                    i + 1));
        lines.append({trimmed, QString::fromLatin1(fields.at(0))});
    }
    return lines;
}

QByteArray keyFileLine(const QString &keyId, const QByteArray &key)
{
    return keyId.toLatin1() + ' ' + key.toBase64();
}

// Serialises rewrites of one key file between threads and processes: a lock on the
// folder, since the file itself is replaced by every write.
class FolderLock final
{
public:
    static Result<std::unique_ptr<FolderLock>> acquire(const QString &folder)
    {
        const QByteArray native = QFile::encodeName(folder);
        auto lock = std::unique_ptr<FolderLock>(
            new FolderLock(::open(native.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
        if (!lock->m_fd.valid())
            return Error::unavailable(u"cannot open the folder %1: %2"_s.arg(folder, systemError(errno)));
        const QDeadlineTimer deadline(kFileLockTimeoutMs);
        while (::flock(lock->m_fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR)
                return Error::unavailable(u"cannot lock the folder %1: %2"_s.arg(folder, systemError(errno)));
            if (deadline.hasExpired())
                return Error::unavailable(
                    u"another process holds the master key file's folder %1 locked; try again"_s.arg(folder));
            QThread::msleep(10);
        }
        return lock;
    }
    int fd() const { return m_fd.get(); }

private:
    explicit FolderLock(int fd)
        : m_fd(fd)
    {
    }
    UniqueFd m_fd; // closing it releases the lock
};

// Replaces the file in one step: a new owner-only file beside it, synced, renamed over it.
Status replaceKeyFile(const QString &path, const QByteArray &content, int folderFd)
{
    const QFileInfo target(path);
    const QString temporary
        = target.absolutePath() + u"/."_s + target.fileName() + u".new-"_s + QUuid::createUuid().toString(QUuid::Id128);
    const QByteArray nativeTemporary = QFile::encodeName(temporary);
    UniqueFd fd(::open(nativeTemporary.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid())
        return Error::unavailable(u"cannot create a file in %1: %2"_s.arg(target.absolutePath(), systemError(errno)));
    // The umask may take bits away, never add them; set exactly owner read and write.
    bool written = ::fchmod(fd.get(), 0600) == 0;
    qsizetype offset = 0;
    while (written && offset < content.size()) {
        const ssize_t put
            = ::write(fd.get(), content.constData() + offset, static_cast<size_t>(content.size() - offset));
        if (put < 0 && errno == EINTR)
            continue;
        written = put > 0;
        if (written)
            offset += static_cast<qsizetype>(put);
    }
    const int writeError = errno;
    written = written && ::fsync(fd.get()) == 0;
    written = fd.close() && written;
    if (!written) {
        ::unlink(nativeTemporary.constData());
        return Error::unavailable(u"cannot write the master key file %1: %2"_s.arg(path, systemError(writeError)));
    }
    if (::rename(nativeTemporary.constData(), QFile::encodeName(path).constData()) != 0) {
        const int error = errno;
        ::unlink(nativeTemporary.constData());
        return Error::unavailable(u"cannot replace the master key file %1: %2"_s.arg(path, systemError(error)));
    }
    // The rename itself must survive a crash, or the old file comes back.
    ::fsync(folderFd);
    return {};
}

} // namespace

std::unique_ptr<MasterKeyStore> MasterKeyStore::fromEnvironment()
{
    const QString file = qEnvironmentVariable("KEYSTEAD_MASTER_KEY_FILE");
    if (!file.isEmpty())
        return std::make_unique<FileMasterKeyStore>(file);
    return std::make_unique<KeychainMasterKeyStore>();
}

// ---- KeychainMasterKeyStore ------------------------------------------------------------------------------------

KeychainMasterKeyStore::KeychainMasterKeyStore(QString service)
    : m_service(std::move(service))
{
}

QString KeychainMasterKeyStore::description() const
{
    return u"the OS keychain (service \"%1\")"_s.arg(m_service);
}

Result<QByteArray> KeychainMasterKeyStore::read(const QString &keyId)
{
    if (Status valid = checkKeyId(keyId); !valid)
        return valid.error();
    QByteArray text;
    if (Status done = runKeychainJob(KeychainOperation::Read, m_service, keychainEntryName(keyId), {}, &text); !done)
        return done.error();
    auto decoded = QByteArray::fromBase64Encoding(text.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    wipe(text);
    if (!decoded || decoded.decoded.isEmpty()) {
        wipe(decoded.decoded);
        return Error::unavailable(
            u"the OS keychain entry \"%1\" (service \"%2\") is damaged: it is not a base64 key"_s.arg(
                keychainEntryName(keyId), m_service));
    }
    return std::move(decoded.decoded);
}

Status KeychainMasterKeyStore::write(const QString &keyId, const QByteArray &key)
{
    if (Status valid = checkKeyId(keyId); !valid)
        return valid;
    if (key.isEmpty())
        return Error::invalid(u"an empty master key cannot be stored"_s);
    // Text, so an operator can copy the key from the keyring into a key file line.
    QByteArray text = key.toBase64();
    Status done = runKeychainJob(KeychainOperation::Write, m_service, keychainEntryName(keyId), text, nullptr);
    wipe(text);
    return done;
}

Status KeychainMasterKeyStore::remove(const QString &keyId)
{
    if (Status valid = checkKeyId(keyId); !valid)
        return valid;
    Status done = runKeychainJob(KeychainOperation::Remove, m_service, keychainEntryName(keyId), {}, nullptr);
    if (!done && done.error().kind == Error::Kind::NotFound)
        return {};
    return done;
}

// ---- FileMasterKeyStore -----------------------------------------------------------------------------------------

FileMasterKeyStore::FileMasterKeyStore(QString path)
    : m_path(QFileInfo(path).absoluteFilePath())
{
}

QString FileMasterKeyStore::description() const
{
    return u"the key file %1"_s.arg(m_path);
}

Result<QByteArray> FileMasterKeyStore::read(const QString &keyId)
{
    if (Status valid = checkKeyId(keyId); !valid)
        return valid.error();
    Result<QByteArray> content = readKeyFile(m_path);
    if (!content)
        return content.error();
    Result<QList<KeyFileLine>> lines = parseKeyFile(content.value(), m_path);
    wipe(content.value());
    if (!lines)
        return lines.error();
    Result<QByteArray> found = Error::notFound(u"the master key file %1 has no key \"%2\""_s.arg(m_path, keyId));
    for (KeyFileLine &line : lines.value()) {
        if (line.keyId == keyId) {
            QByteArray encoded = line.text.mid(line.text.indexOf(' ') + 1).trimmed();
            auto decoded = QByteArray::fromBase64Encoding(encoded, QByteArray::AbortOnBase64DecodingErrors);
            if (decoded && !decoded.decoded.isEmpty())
                found = std::move(decoded.decoded);
            else
                found = Error::unavailable(
                    u"the master key file %1 is damaged: the key \"%2\" is not base64"_s.arg(m_path, keyId));
            wipe(decoded.decoded);
            wipe(encoded);
        }
        wipe(line.text);
    }
    return found;
}

Status FileMasterKeyStore::write(const QString &keyId, const QByteArray &key)
{
    if (Status valid = checkKeyId(keyId); !valid)
        return valid;
    if (key.isEmpty())
        return Error::invalid(u"an empty master key cannot be stored"_s);
    const QString folder = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(folder))
        return Error::unavailable(u"cannot create the folder %1"_s.arg(folder));
    Result<std::unique_ptr<FolderLock>> lock = FolderLock::acquire(folder);
    if (!lock)
        return lock.error();

    QList<KeyFileLine> lines;
    Result<QByteArray> content = readKeyFile(m_path);
    if (!content && content.error().kind != Error::Kind::NotFound)
        return content.error();
    if (content) {
        Result<QList<KeyFileLine>> parsed = parseKeyFile(content.value(), m_path);
        wipe(content.value());
        if (!parsed)
            return parsed.error();
        lines = std::move(parsed.value());
    }

    QByteArray updated;
    bool replaced = false;
    for (KeyFileLine &line : lines) {
        if (line.keyId == keyId) {
            if (!replaced)
                updated += keyFileLine(keyId, key) + '\n';
            replaced = true;
        } else {
            updated += line.text + '\n';
        }
        wipe(line.text);
    }
    if (!replaced)
        updated += keyFileLine(keyId, key) + '\n';
    Status done = replaceKeyFile(m_path, updated, lock.value()->fd());
    wipe(updated);
    return done;
}

Status FileMasterKeyStore::remove(const QString &keyId)
{
    if (Status valid = checkKeyId(keyId); !valid)
        return valid;
    const QFileInfo file(m_path);
    if (!file.exists() && !file.isSymLink())
        return {};
    Result<std::unique_ptr<FolderLock>> lock = FolderLock::acquire(file.absolutePath());
    if (!lock)
        return lock.error();

    Result<QByteArray> content = readKeyFile(m_path);
    if (!content)
        return content.error().kind == Error::Kind::NotFound ? Status{} : Status{content.error()};
    Result<QList<KeyFileLine>> parsed = parseKeyFile(content.value(), m_path);
    wipe(content.value());
    if (!parsed)
        return parsed.error();

    QByteArray updated;
    bool removed = false;
    for (KeyFileLine &line : parsed.value()) {
        if (line.keyId == keyId)
            removed = true;
        else
            updated += line.text + '\n';
        wipe(line.text);
    }
    Status done = removed ? replaceKeyFile(m_path, updated, lock.value()->fd()) : Status{};
    wipe(updated);
    return done;
}

} // namespace keystead
