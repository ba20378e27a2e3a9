#pragma once

#include "common/Result.h"

#include <QLatin1StringView>
#include <QString>

#include <cstddef>
#include <optional>
#include <utility>

namespace keystead {

// The stable names of an area's error reasons, "<prefix><name>" (e.g.
// "ca.signing_failed"): `names` lists them separated by single spaces, in the
// order of the enum's values. An area keeps one constexpr table, checks it
// with static_assert(table.complete()), and answers its reason functions from
// it; the name rides in Error::details["reason"].
template <typename Reason, std::size_t Count>
struct ReasonNames
{
    const char *prefix;
    const char *names;

    static QString detailKey() { return QStringLiteral("reason"); }

    // True when `names` holds exactly one name per value of the enum.
    constexpr bool complete() const
    {
        std::size_t words = 1;
        for (const char *c = names; *c != '\0'; ++c) {
            if (*c == ' ')
                ++words;
        }
        return words == Count;
    }

    QString name(Reason reason) const
    {
        const QLatin1StringView all(names);
        qsizetype start = 0;
        for (auto index = static_cast<std::size_t>(reason); index > 0; --index) {
            start = all.indexOf(u' ', start);
            if (start < 0)
                return {};
            ++start;
        }
        const qsizetype end = all.indexOf(u' ', start);
        return QLatin1StringView(prefix) + all.sliced(start, (end < 0 ? all.size() : end) - start);
    }

    // An error of `kind` about `location`, carrying the reason's name.
    Error error(Reason reason, QString message, Error::Kind kind, QString location) const
    {
        Error error{kind, std::move(message), std::move(location), {}};
        error.details.insert(detailKey(), name(reason));
        return error;
    }

    // The reason an error carries; none for errors that name no reason of this table.
    std::optional<Reason> of(const Error &error) const
    {
        const QString carried = error.details.value(detailKey()).toString();
        if (carried.isEmpty())
            return std::nullopt;
        for (std::size_t index = 0; index < Count; ++index) {
            if (carried == name(static_cast<Reason>(index)))
                return static_cast<Reason>(index);
        }
        return std::nullopt;
    }
};

} // namespace keystead
