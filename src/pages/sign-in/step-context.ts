import type { InteractionDeps } from './interaction-deps.js';
import type { RenderPage } from '../kit/view-renderer.js';
import type { InteractionStateStore, InteractionState } from '../kit/interaction-state.js';
import type { AdminAuth } from '../../admins/admin-auth.js';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

declare module 'koa' {
  interface DefaultState {
    interaction: Interaction;
    flow: InteractionState;
  }
}

/** What every step handler gets: the services, the page renderer and the interaction state. */
export interface StepContext {
  deps: InteractionDeps;
  render: RenderPage;
  states: InteractionStateStore;
  auth: AdminAuth;
}

/** Post/Redirect/Get back to the interaction page. */
export function redirectToInteraction(ctx: Context): void {
  ctx.status = 303;
  ctx.redirect(`/interaction/${encodeURIComponent(ctx.state.interaction.uid)}`);
}

/** What the login result records so that the consent of the same authorization needs no second code. */
export interface SecondFactorProof {
  accountId: string;
  at: number;
  method: 'totp' | 'recovery' | 'passkey';
}

/** Passkey challenges of an interaction are bound to it (and to its admin, in the row). */
export const interactionBinding = (uid: string) => `interaction:${uid}`;
