using System.Text.Json.Serialization;
using TokenService.Principals;

namespace TokenService.Api;

/// <summary>The error body of every non-protocol endpoint: the same two fields as an OAuth error.</summary>
/// <param name="Error">A machine-readable code (Usergrid's where one exists).</param>
/// <param name="ErrorDescription">A sentence for people.</param>
public sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary>Builds error results; every one has a JSON <see cref="ApiError"/> body.</summary>
public static class ApiErrors
{
    /// <summary>The caller has no power here: a guest is asked to authenticate (401), anyone else is refused (403).</summary>
    public static IResult Forbidden(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Type == PrincipalType.Guest
            ? new ErrorResult(401, new ApiError("unauthorized", "Credentials are required."), "Bearer realm=\"TokenService\"")
            : new ErrorResult(403, new ApiError("unauthorized", "The caller may not perform this operation."), null);
    }

    public static IResult NotFound(string what) =>
        new ErrorResult(404, new ApiError("service_resource_not_found", $"{what} was not found."), null);

    public static IResult BadRequest(string description) =>
        new ErrorResult(400, new ApiError("invalid_request", description), null);

    public static IResult Conflict(string description) =>
        new ErrorResult(409, new ApiError("duplicate_unique_property_exists", description), null);

    /// <summary>An error with the given status, body and headers.</summary>
    public static IResult With(int status, ApiError body, string? wwwAuthenticate = null, TimeSpan? retryAfter = null) =>
        new ErrorResult(status, body, wwwAuthenticate, retryAfter);

    private sealed class ErrorResult(int status, ApiError body, string? wwwAuthenticate, TimeSpan? retryAfter = null)
        : IResult, IStatusCodeHttpResult, IValueHttpResult
    {
        public int? StatusCode => status;

        public object? Value => body;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (wwwAuthenticate is not null)
            {
                httpContext.Response.Headers.WWWAuthenticate = wwwAuthenticate;
            }

            if (retryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = ((long)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            httpContext.Response.StatusCode = status;
            return httpContext.Response.WriteAsJsonAsync(body);
        }
    }
}
