#include "ConnectionApiTest.h"

#include "connections/ConnectionService.h"

using namespace Qt::StringLiterals;

namespace keystead::test {

QStringList idsOf(const QJsonObject &page)
{
    QStringList ids;
    for (const QJsonValue &item : page.value(u"items"_s).toArray())
        ids.append(item.toObject().value(u"id"_s).toString());
    return ids;
}

QStringList jsonlTypes(const QByteArray &body)
{
    QStringList types;
    for (const QByteArray &line : body.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        types.append(QJsonDocument::fromJson(line).object().value(u"type"_s).toString());
    }
    return types;
}

QString ConnectionApiTest::generate(const Generated &spec)
{
    ConnectionService &service = *m_core->connections;
    ManualClock &manual = m_core->clock;
    const QString id = service.opened(spec.address);
    service.event(id, u"connection"_s, u"client-version"_s, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    service.event(id, u"connection"_s, u"key-offered"_s, "ssh-ed25519",
                  QJsonObject{{u"fingerprint"_s, u"SHA256:abc"_s}, {u"proven"_s, true}});
    service.authenticated(id, spec.user, spec.collectSessionId, spec.methods);
    service.event(id, u"0"_s, u"channel-open"_s, "session");
    service.event(id, u"0"_s, u"banner"_s, "Welcome to Keystead");
    service.event(id, u"0"_s, u"stdout"_s, "Send your keys? [y/N] ");
    manual.advanceSeconds(spec.seconds / 2);
    service.event(id, u"0"_s, u"stdin"_s, spec.typed);
    service.channelTraffic(id, u"0"_s, u"session"_s, spec.typed.size(), 22);
    service.traffic(id, spec.bytesIn, spec.bytesOut);
    manual.advanceSeconds(spec.seconds - spec.seconds / 2);
    if (spec.close) {
        service.event(id, u"0"_s, u"channel-close"_s, {});
        service.event(id, u"connection"_s, u"disconnect"_s, "client disconnected");
        service.closed(id, u"client disconnected"_s);
    }
    if (Status flushed = service.flush(); !flushed)
        qWarning("flush failed: %s", qPrintable(flushed.error().message));
    manual.advanceSeconds(1);
    return id;
}

QString ConnectionApiTest::errorParameter(const HttpReply &reply, int status)
{
    if (reply.status != status) {
        qWarning("expected %d, got %d: %s", status, reply.status, reply.body.constData());
        return u"<status %1>"_s.arg(reply.status);
    }
    if (reply.header("content-type") != "application/json")
        return u"<content type %1>"_s.arg(QString::fromLatin1(reply.header("content-type")));
    const QJsonObject body = reply.json().object();
    if (body.value(u"code"_s).toInt() != status || body.value(u"message"_s).toString().isEmpty()
        || body.value(u"error"_s).toString().isEmpty() || !body.value(u"details"_s).isObject())
        return u"<shape %1>"_s.arg(QString::fromUtf8(reply.body));
    return body.value(u"details"_s).toObject().value(u"parameter"_s).toString();
}

} // namespace keystead::test
