using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Data;
using TokenService.Management;
using TokenService.Options;
using TokenService.Tenants;
using TokenService.Tokens;
using TokenService.Users;

namespace TokenService.Portal.Pages;

/// <summary>
/// Org Overview: where the seed says organization credentials are found. Every read and action is a management
/// API handler called with the signed-in caller.
/// </summary>
public sealed class OrgModel(
    TenantOperations tenants, TokenServiceDbContext db, ClientRegistry clients, UserAccounts accounts,
    IOptions<TokenLifetimeOptions> lifetimes) : PortalPage
{
    private const int Shown = 100;

    public OrganizationResponse? Organization { get; private set; }

    public CredentialsResponse? Credentials { get; private set; }

    public Page<AdminUserResponse>? Admins { get; private set; }

    public Page<ResourceServerResponse>? ResourceServers { get; private set; }

    public Page<ApplicationResponse>? Applications { get; private set; }

    public long ServiceDefaultTtl => lifetimes.Value.DefaultTtl;

    public async Task<IActionResult> OnGetAsync(string org, CancellationToken cancellationToken)
    {
        Organization = Read<OrganizationResponse>((await OrganizationsApi.GetAsync(org, Caller, tenants, cancellationToken)).Result);
        if (Organization is null)
        {
            return Page();
        }

        var first = new PageRequest(Shown, null);
        Credentials = Read<CredentialsResponse>((await OrganizationsApi.GetCredentialsAsync(org, Caller, tenants, cancellationToken)).Result);
        Admins = Read<Page<AdminUserResponse>>((await AdminUsersApi.ListMembersAsync(org, first, Caller, db, tenants, accounts, cancellationToken)).Result);
        ResourceServers = Read<Page<ResourceServerResponse>>((await ResourceServersApi.ListAsync(org, Caller, db, tenants, first, cancellationToken)).Result);
        Applications = Read<Page<ApplicationResponse>>((await ApplicationsApi.ListAsync(org, Caller, db, tenants, first, cancellationToken)).Result);
        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateAsync(string org, bool revokeTokens, CancellationToken cancellationToken)
    {
        var result = (await OrganizationsApi.RegenerateCredentialsAsync(org, revokeTokens, Caller, tenants, cancellationToken)).Result;
        if (result is IValueHttpResult<CredentialsResponse> { Value: { } credentials })
        {
            ShowOnce(credentials.ClientSecret, $"the organization client {credentials.ClientId}", Here(org));
        }

        return After(result, revokeTokens ? "Secret regenerated; the old secret's tokens are revoked." : "Secret regenerated.", Here(org));
    }

    public async Task<IActionResult> OnPostTtlAsync(string org, long amount, string? unit, CancellationToken cancellationToken)
    {
        if (TtlUnits.ToMilliseconds(amount, unit) is not { } milliseconds)
        {
            Problem = "Enter a whole number of one of the units.";
            return LocalRedirect(Here(org));
        }

        var result = (await OrganizationsApi.UpdateAsync(org, new UpdateSettingsRequest(milliseconds, null), Caller, tenants, cancellationToken)).Result;
        return After(result, $"Organization-client tokens now last {TtlUnits.Describe(milliseconds, ServiceDefaultTtl)} (new tokens).", Here(org));
    }

    public async Task<IActionResult> OnPostRevokeAllAsync(string org, CancellationToken cancellationToken)
    {
        var result = (await OrganizationsApi.RevokeTokensAsync(org, Caller, tenants, clients, cancellationToken)).Result;
        return After(result, result is IValueHttpResult<RevokedResponse> { Value: { } revoked }
            ? $"{revoked.Revoked:N0} organization-client tokens revoked." : "", Here(org));
    }

    public async Task<IActionResult> OnPostAddAdminAsync(string org, string? user, CancellationToken cancellationToken)
    {
        var result = (await AdminUsersApi.AddMemberAsync(org, user?.Trim() ?? "", Caller, tenants, accounts, cancellationToken)).Result;
        return After(result, $"{user} is now an admin of {org}.", Here(org));
    }

    public async Task<IActionResult> OnPostRemoveAdminAsync(string org, string user, CancellationToken cancellationToken)
    {
        var result = (await AdminUsersApi.RemoveMemberAsync(org, user, Caller, db, tenants, accounts, cancellationToken)).Result;
        return After(result, $"{user} is no longer an admin of {org}.", Here(org));
    }

    public async Task<IActionResult> OnPostCreateResourceServerAsync(string org, string? name, CancellationToken cancellationToken)
    {
        var result = (await ResourceServersApi.CreateAsync(org, new CreateNamedRequest(name?.Trim()), Caller, db, tenants, cancellationToken)).Result;
        if (result is IValueHttpResult<ResourceServerResponse> { Value: { } created })
        {
            ShowOnce(created.ClientSecret, $"the resource server {created.Name} ({created.ClientId})", Here(org));
        }

        return After(result, $"Resource server {name} created.", Here(org));
    }

    public async Task<IActionResult> OnPostDeleteResourceServerAsync(string org, string name, CancellationToken cancellationToken)
    {
        var result = (await ResourceServersApi.DeleteAsync(org, name, Caller, db, tenants, cancellationToken)).Result;
        return After(result, $"Resource server {name} deleted.", Here(org));
    }

    public async Task<IActionResult> OnPostCreateAppAsync(string org, string? name, CancellationToken cancellationToken)
    {
        var result = (await ApplicationsApi.CreateAsync(org, new CreateNamedRequest(name?.Trim()), Caller, db, tenants, cancellationToken)).Result;
        if (result is IValueHttpResult<ApplicationCreatedResponse> { Value: { } created })
        {
            var page = $"/portal/orgs/{Uri.EscapeDataString(org)}/apps/{Uri.EscapeDataString(created.Name)}";
            ShowOnce(created.ClientSecret, $"the application client {created.ClientId}", page);
            return After(result, $"Application {created.Name} created.", page);
        }

        return After(result, "", Here(org));
    }

    private static string Here(string org) => $"/portal/orgs/{Uri.EscapeDataString(org)}";
}
