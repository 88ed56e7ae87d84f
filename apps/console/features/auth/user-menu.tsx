"use client";
// Who is logged in (name and role) and the logout control, in the top bar.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { logout } from "../../lib/api-client";
import styles from "./login.module.css";
import { useSession } from "./use-session";

export function UserMenu() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [leaving, setLeaving] = useState(false);
  if (!session.data) return null;
  const { username, role } = session.data.user;
  return (
    <div className={styles.userMenu} data-test="user-menu" data-role={role}>
      <span data-test="user-name" title={`Logged in as ${username} (${role})`}>
        {username}<span className={styles.role} data-test="user-role">{role}</span>
      </span>
      <button
        type="button"
        className="btn"
        data-test="logout"
        disabled={leaving}
        onClick={async () => {
          setLeaving(true);
          await logout();
          queryClient.clear();
          window.location.assign("/login");
        }}
      >
        Log out
      </button>
    </div>
  );
}
