#pragma once

#include <QString>
#include <QVariantMap>

#include <optional>
#include <utility>
#include <variant>

namespace keystead {

// What went wrong, in words an operator can act on. `kind` lets the HTTP
// families map an error to their own status codes and shapes in one place.
struct Error
{
    enum class Kind {
        InvalidInput, // the caller's mistake: bad field, bad value
        NotFound,
        Conflict, // exists already, or the state forbids it
        Unauthorized,
        Forbidden,
        Unavailable, // a dependency (keychain, database) does not answer
        Internal,
    };

    Kind kind = Kind::Internal;
    QString message;
    // Where the problem is, e.g. "body.name"; empty when not about one field.
    QString location;
    QVariantMap details;

    static Error invalid(QString message, QString location = {})
    {
        return Error{Kind::InvalidInput, std::move(message), std::move(location), {}};
    }
    static Error notFound(QString message) { return Error{Kind::NotFound, std::move(message), {}, {}}; }
    static Error conflict(QString message) { return Error{Kind::Conflict, std::move(message), {}, {}}; }
    static Error unavailable(QString message) { return Error{Kind::Unavailable, std::move(message), {}, {}}; }
    static Error internal(QString message) { return Error{Kind::Internal, std::move(message), {}, {}}; }
};

// A value or an Error: core functions return this instead of throwing.
template <typename T>
class [[nodiscard]] Result
{
public:
    Result(T value)
        : m_data(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_data(std::in_place_index<1>, std::move(error))
    {
    }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<0>(m_data); }
    T &value() & { return std::get<0>(m_data); }
    T &&value() && { return std::get<0>(std::move(m_data)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }
    T *operator->() { return &value(); }

    const Error &error() const { return std::get<1>(m_data); }

private:
    std::variant<T, Error> m_data;
};

// For operations that return nothing but may fail.
class [[nodiscard]] Status
{
public:
    Status() = default;
    Status(Error error)
        : m_error(std::move(error))
    {
    }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace keystead
