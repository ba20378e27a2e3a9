#pragma once

#include "common/Result.h"

#include <QHostAddress>

namespace keystead {

// A HOST:PORT a listener binds, as given to --api-listen and --collect-listen.
struct ListenAddress
{
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0;

    // "127.0.0.1:8420", "[::1]:8420", "localhost:8420", "0.0.0.0:2222"; port 0 picks a free one.
    static Result<ListenAddress> parse(const QString &text);
    QString toString() const;
};

} // namespace keystead
