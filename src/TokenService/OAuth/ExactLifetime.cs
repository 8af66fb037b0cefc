using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Makes a token live at least the lifetime the TTL policy granted. OpenIddict keeps token dates in whole
/// seconds (<c>iat</c>/<c>exp</c> claims): left alone, a 1,500 ms <c>ttl</c> issued at .700 s would live
/// 1.3 s and a 500 ms one could be born expired. So the grant records the lifetime on the transaction and
/// the expiry becomes "now + lifetime" rounded up to the next whole second: a token lives its ttl and at
/// most one second more, then is refused with no further grace.
/// </summary>
public static class ExactLifetime
{
    private const string Key = "TokenService:AccessTokenLifetime";

    /// <summary>Records the lifetime a grant decided; <c>null</c> means the token never expires.</summary>
    public static void Grant(OpenIddictServerTransaction transaction, TimeSpan? lifetime)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (lifetime is { } value)
        {
            transaction.Properties[Key] = value;
        }
    }

    private static TimeSpan? Granted(OpenIddictServerTransaction transaction) =>
        transaction.Properties.TryGetValue(Key, out var value) && value is TimeSpan lifetime ? lifetime : null;

    /// <summary>Sets the expiry of the access token about to be created.</summary>
    public sealed class ApplyToToken : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
                .UseSingletonHandler<ApplyToToken>()
                .SetOrder(OpenIddictServerHandlers.PrepareAccessTokenPrincipal.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.AccessTokenPrincipal is { } principal && Granted(context.Transaction) is { } lifetime)
            {
                var now = context.Options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;
                principal.SetExpirationDate(DateTimeOffset.FromUnixTimeSeconds(
                    (long)Math.Ceiling((now + lifetime).ToUnixTimeMilliseconds() / 1000.0)));
            }

            return default;
        }
    }

    /// <summary>Reports <c>expires_in</c> as the granted lifetime, rounded up to whole seconds.</summary>
    public sealed class ApplyToResponse : IOpenIddictServerHandler<ProcessSignInContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
                .UseSingletonHandler<ApplyToResponse>()
                .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 500)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ProcessSignInContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.IncludeAccessToken && Granted(context.Transaction) is { } lifetime)
            {
                context.Response.ExpiresIn = (long)Math.Ceiling(lifetime.TotalSeconds);
            }

            return default;
        }
    }
}
