using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Management;
using TokenService.Options;
using TokenService.Tenants;
using TokenService.Tokens;
using TokenService.Users;

namespace TokenService.Portal.Pages;

/// <summary>
/// Getting Started, one per application: where the seed says application credentials are found, with snippets built
/// from this service's real address and the app's names. Every read and action is a management API handler.
/// </summary>
public sealed class AppModel(
    TenantOperations tenants, ClientRegistry clients, AppUserOperations users,
    IOptions<TokenLifetimeOptions> lifetimes) : PortalPage
{
    public ApplicationResponse? Application { get; private set; }

    public CredentialsResponse? Credentials { get; private set; }

    public Page<AppUserResponse>? Users { get; private set; }

    /// <summary>The user searched for (by username or uuid), when there was a search.</summary>
    public string? Search { get; private set; }

    public long ServiceDefaultTtl => lifetimes.Value.DefaultTtl;

    public async Task<IActionResult> OnGetAsync(string org, string app, string? q, string? cursor, CancellationToken cancellationToken)
    {
        Application = Read<ApplicationResponse>((await ApplicationsApi.GetAsync(org, app, Caller, tenants, cancellationToken)).Result);
        if (Application is null)
        {
            return Page();
        }

        Credentials = Read<CredentialsResponse>((await ApplicationsApi.GetCredentialsAsync(org, app, Caller, tenants, cancellationToken)).Result);
        if (!string.IsNullOrWhiteSpace(q))
        {
            Search = q.Trim();
            var found = (await AppUsersApi.GetAsync(org, app, Search, Caller, users, cancellationToken)).Result;
            Users = new Page<AppUserResponse>(found is IValueHttpResult<AppUserResponse> { Value: { } user } ? [user] : [], null);
        }
        else
        {
            Users = Read<Page<AppUserResponse>>((await AppUsersApi.ListAsync(org, app, new PageRequest(50, cursor), Caller, users, cancellationToken)).Result);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateAsync(string org, string app, bool revokeTokens, CancellationToken cancellationToken)
    {
        var result = (await ApplicationsApi.RegenerateCredentialsAsync(org, app, revokeTokens, Caller, tenants, cancellationToken)).Result;
        if (result is IValueHttpResult<CredentialsResponse> { Value: { } credentials })
        {
            ShowOnce(credentials.ClientSecret, $"the application client {credentials.ClientId}", Here(org, app));
        }

        return After(result, revokeTokens ? "Secret regenerated; the old secret's tokens are revoked." : "Secret regenerated.", Here(org, app));
    }

    public async Task<IActionResult> OnPostTtlAsync(string org, string app, long amount, string? unit, CancellationToken cancellationToken)
    {
        if (TtlUnits.ToMilliseconds(amount, unit) is not { } milliseconds)
        {
            Problem = "Enter a whole number of one of the units.";
            return LocalRedirect(Here(org, app));
        }

        var result = (await ApplicationsApi.UpdateAsync(org, app, new UpdateSettingsRequest(milliseconds, null), Caller, tenants, cancellationToken)).Result;
        return After(result, $"Tokens of this application now last {TtlUnits.Describe(milliseconds, ServiceDefaultTtl)} (new tokens).", Here(org, app));
    }

    public async Task<IActionResult> OnPostSecuredAsync(string org, string app, bool secured, CancellationToken cancellationToken)
    {
        var result = (await ApplicationsApi.UpdateAsync(org, app, new UpdateSettingsRequest(null, secured), Caller, tenants, cancellationToken)).Result;
        return After(result, secured ? "The application now requires credentials." : "The application is now open to guests.", Here(org, app));
    }

    public async Task<IActionResult> OnPostRevokeAllAsync(string org, string app, CancellationToken cancellationToken)
    {
        var result = (await ApplicationsApi.RevokeTokensAsync(org, app, Caller, tenants, clients, cancellationToken)).Result;
        return After(result, result is IValueHttpResult<RevokedResponse> { Value: { } revoked }
            ? $"{revoked.Revoked:N0} tokens of this application revoked." : "", Here(org, app));
    }

    public async Task<IActionResult> OnPostActivatedAsync(string org, string app, string user, bool activated, CancellationToken cancellationToken)
    {
        var result = (await AppUsersApi.UpdateAsync(org, app, user, new UpdateUserRequest(activated, null, null, null), Caller, users, cancellationToken)).Result;
        return After(result, activated ? $"{user} is activated." : $"{user} is deactivated; its tokens are revoked.", Here(org, app));
    }

    public async Task<IActionResult> OnPostRevokeUserAsync(string org, string app, string user, CancellationToken cancellationToken)
    {
        var result = (await AppUsersApi.RevokeTokensAsync(org, app, user, Caller, users, cancellationToken)).Result;
        return After(result, $"The tokens of {user} are revoked.", Here(org, app));
    }

    private static string Here(string org, string app) => $"/portal/orgs/{Uri.EscapeDataString(org)}/apps/{Uri.EscapeDataString(app)}";
}
