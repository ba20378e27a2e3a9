#pragma once

#include "api/HttpMessage.h"
#include "common/Result.h"

namespace keystead {

// How one HTTP family writes its errors. The frame decides the status (401,
// 405, 413, ...); the family decides the body. Later families (the seeds'
// numbered codes, SPS names) plug in their own shape.
class ErrorShape
{
public:
    virtual ~ErrorShape() = default;
    virtual HttpResponse render(int status, const Error &error, const HttpRequest &request) const = 0;

    // The status a core error kind maps to, unless a family knows better.
    static int defaultStatus(Error::Kind kind);
};

// RFC 9457 application/problem+json with an `errors[]` list, as seed 000 shows.
class ProblemJsonShape final : public ErrorShape
{
public:
    HttpResponse render(int status, const Error &error, const HttpRequest &request) const override;
};

} // namespace keystead
