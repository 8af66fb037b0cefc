using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using TokenService.Principals;

namespace TokenService.Api;

/// <summary>The error body of every non-protocol endpoint: the same two fields as an OAuth error.</summary>
/// <param name="Error">A machine-readable code (Usergrid's where one exists).</param>
/// <param name="ErrorDescription">A sentence for people.</param>
public sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string ErrorDescription);

/// <summary>Builds refusals; every one has a JSON <see cref="ApiError"/> body.</summary>
public static class ApiErrors
{
    /// <summary>The caller has no power here: a guest is asked to authenticate (401), anyone else is refused (403).</summary>
    public static Refusal Forbidden(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Type == PrincipalType.Guest
            ? new Refusal(401, new ApiError("unauthorized", "Credentials are required."), "Bearer realm=\"TokenService\"")
            : new Refusal(403, new ApiError("unauthorized", "The caller may not perform this operation."));
    }

    public static Refusal NotFound(string what) =>
        new(404, new ApiError("service_resource_not_found", $"{what} was not found."));

    public static Refusal BadRequest(string description) =>
        new(400, new ApiError("invalid_request", description));

    public static Refusal Conflict(string description) =>
        new(409, new ApiError("duplicate_unique_property_exists", description));

    /// <summary>An error with the given status, body and headers.</summary>
    public static Refusal With(int status, ApiError body, string? wwwAuthenticate = null, TimeSpan? retryAfter = null) =>
        new(status, body, wwwAuthenticate, retryAfter);

    /// <summary>Documents a 409 on an endpoint that can refuse a duplicate name.</summary>
    public static RouteHandlerBuilder ProducesConflict(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status409Conflict, typeof(ApiError), ["application/json"])
        {
            Description = "duplicate_unique_property_exists: the name (or username, email) is taken.",
        });
}

/// <summary>
/// A refused operation: its status, <see cref="ApiError"/> body and headers. As a typed result it documents the
/// refusals every management endpoint can give, so the OpenAPI document derives them from the handler's signature.
/// </summary>
public sealed class Refusal : IResult, IStatusCodeHttpResult, IValueHttpResult<ApiError>, IValueHttpResult, IEndpointMetadataProvider
{
    /// <summary>What each documented status means; the codes are the contract's (CONTRACT §9).</summary>
    private static readonly (int Status, string Description)[] Documented =
    [
        (400, "invalid_request: malformed input, or a token in two places."),
        (401, "expired_token, auth_invalid, auth_bad_access_token, invalid_client or unauthorized (no credentials), with WWW-Authenticate."),
        (403, "unauthorized: authenticated, but without power over this org/app."),
        (404, "service_resource_not_found."),
    ];

    private readonly string? _wwwAuthenticate;
    private readonly TimeSpan? _retryAfter;

    internal Refusal(int status, ApiError error, string? wwwAuthenticate = null, TimeSpan? retryAfter = null)
    {
        StatusCode = status;
        Error = error;
        _wwwAuthenticate = wwwAuthenticate;
        _retryAfter = retryAfter;
    }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; }

    /// <summary>The body.</summary>
    public ApiError Error { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    ApiError? IValueHttpResult<ApiError>.Value => Error;

    object? IValueHttpResult.Value => Error;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (_wwwAuthenticate is not null)
        {
            httpContext.Response.Headers.WWWAuthenticate = _wwwAuthenticate;
        }

        if (_retryAfter is { } wait)
        {
            httpContext.Response.Headers.RetryAfter = ((long)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = StatusCode;
        return httpContext.Response.WriteAsJsonAsync(Error);
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (status, description) in Documented)
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ApiError), ["application/json"]) { Description = description });
        }
    }
}

/// <summary>What an operation produced, or the refusal to send instead.</summary>
public sealed class Outcome<T>
{
    private Outcome(T? value, Refusal? refusal) => (Value, Refusal) = (value, refusal);

    public T? Value { get; }

    public Refusal? Refusal { get; }

    /// <summary>Whether it was refused; when not, <see cref="Value"/> is set.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Refusal))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Value))]
    public bool Refused => Refusal is not null;

#pragma warning disable CA2225 // the conversions are the point: an operation returns a value or a refusal, nothing else
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal ?? throw new ArgumentNullException(nameof(refusal)));
#pragma warning restore CA2225
}
