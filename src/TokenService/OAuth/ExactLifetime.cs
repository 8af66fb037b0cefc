using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Makes an access token live exactly the lifetime the TTL policy granted, to the millisecond (Usergrid clients compute
/// expiry from the <c>ttl</c> they asked for). OpenIddict keeps token dates in whole seconds (<c>iat</c>/<c>exp</c>):
/// its <c>exp</c> is rounded up to the next second so that its own check never refuses early, the exact instant travels
/// in the token's payload (<see cref="Tokens.TokenClaims.ExpiresAtClaim"/>), and every reader refuses the token from that instant:
/// introspection (<see cref="RefuseAtExactExpiry"/>, cached or not) and bearer tokens on every path and in the access
/// check (the credential resolver, as <c>expired_token</c>).
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
                var exact = (now + lifetime).ToUnixTimeMilliseconds();
                principal.SetExpirationDate(DateTimeOffset.FromUnixTimeSeconds((long)Math.Ceiling(exact / 1000.0)));
                // This principal is the access token's own (its claims already chosen by destination): all of it is written.
                principal.SetClaim(Tokens.TokenClaims.ExpiresAtClaim, exact.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return default;
        }
    }

    /// <summary>
    /// Right after OpenIddict's own expiry check (whole seconds), the exact one: from the instant the granted lifetime
    /// ends the token is refused, as OpenIddict refuses an expired token — cached principals included.
    /// </summary>
    public sealed class RefuseAtExactExpiry : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<RefuseAtExactExpiry>()
                .SetOrder(OpenIddictServerHandlers.Protection.ValidateExpirationDate.Descriptor.Order + 1)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Principal is { } principal && Tokens.TokenClaims.HasEnded(principal, context.Options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow))
            {
                context.Reject(OpenIddictConstants.Errors.InvalidToken, "The specified token is no longer valid.");
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
