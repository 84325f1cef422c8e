#pragma once

#include <QMetaType>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace threadline {

//! What kind of failure happened: callers decide what to do from the code, never from the text.
enum class ErrorCode
{
    Invalid,      //!< the input is malformed or out of bounds (bad UTF-8, empty or oversize text, ...)
    NotFound,     //!< a request, update, person or row does not exist
    Conflict,     //!< a stale row version or a duplicate: someone else changed it first
    Unavailable,  //!< the database or a remote service cannot be reached right now; retry later
    Unauthorized, //!< credentials are missing, wrong or revoked
    Forbidden,    //!< authenticated, but not allowed to do this
    RateLimited,  //!< told to wait; see Error::retryAfterMs
    TooLarge,     //!< a body or file exceeds a configured limit
    SchemaTooNew, //!< the database was written by a newer Threadline
    Internal,     //!< a bug or an unexpected state; the detail says what
};

QString errorCodeName(ErrorCode code);

//! A failure with a code, a short user-facing message and optional technical detail.
//! Messages never contain secrets.
struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QString field;  //!< the input field at fault, when there is one
    QString detail; //!< technical detail (driver text, Slack error code), never shown alone
    qint64 retryAfterMs = -1;

    QString toString() const;
};

//! The Error that Result::error() returns on success: code Internal, message "no error".
const Error &noError();

//! A value or an Error. No exceptions cross the engine.
template<typename T>
class Result
{
public:
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {}
    Result(Error error)
        : m_v(std::in_place_index<1>, std::move(error))
    {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return std::get<0>(m_v); }
    T &value() & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }

    //! The error; on success an empty Error, so `QVERIFY2(r.ok(), qPrintable(r.error().toString()))` is safe.
    const Error &error() const { return ok() ? noError() : std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

//! A Result that carries no value on success.
template<>
class Result<void>
{
public:
    Result() = default;
    Result(Error error)
        : m_error(std::move(error))
    {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return m_error ? *m_error : noError(); }

private:
    std::optional<Error> m_error;
};

inline Error makeError(ErrorCode code, QString message, QString field = {}, QString detail = {})
{
    return Error{code, std::move(message), std::move(field), std::move(detail), -1};
}

} // namespace threadline

Q_DECLARE_METATYPE(threadline::Error)
