using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokenService.Data.Entities;

namespace TokenService.Data.Configurations;

internal sealed class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> builder)
    {
        builder.ToTable("AppUsers");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Username).HasMaxLength(Limits.UsernameLength);
        builder.HasIndex(u => new { u.ApplicationId, u.Username }).IsUnique();
        builder.Property(u => u.Email).HasMaxLength(Limits.EmailLength);
        builder.HasIndex(u => new { u.ApplicationId, u.Email }).IsUnique();
        builder.Property(u => u.Name).HasMaxLength(Limits.DisplayNameLength);
        builder.Property(u => u.PasswordHash).HasMaxLength(Limits.PasswordHashLength).IsUnicode(false);
        builder.HasOne(u => u.Application).WithMany().HasForeignKey(u => u.ApplicationId).OnDelete(DeleteBehavior.Cascade);
    }
}
