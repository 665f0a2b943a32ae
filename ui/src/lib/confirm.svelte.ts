// One confirmation dialog for the whole app: `await confirm(...)` before anything destructive.

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  resolve: (yes: boolean) => void;
}

export const pending = $state<{ request: ConfirmRequest | null }>({ request: null });

export function confirm(title: string, message: string, confirmLabel = 'Delete'): Promise<boolean> {
  return new Promise((resolve) => {
    pending.request = {
      title,
      message,
      confirmLabel,
      resolve: (yes) => {
        pending.request = null;
        resolve(yes);
      },
    };
  });
}
