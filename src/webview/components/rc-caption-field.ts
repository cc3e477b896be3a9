// <rc-caption-field>: one caption of the image shown (SSC or DSC): who wrote it and its review, the text to
// edit, the model's original under a person's edit, and Approve / Reject. It reports what the user does;
// the state controller applies it (drafts, commits and reviews are state/review-controller.ts's).
import { LitElement, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { MAX_CAPTION_CHARS } from '../../shared/protocol.js';
import type { Caption, CaptionKind, ReviewState } from '../../shared/record.js';
import { describeCaption } from './caption-labels.js';
import { emit } from './emit.js';
import { fieldStyles } from './field.styles.js';
import { kbdStyles } from './kbd.styles.js';
import { rcCaptionFieldStyles } from './rc-caption-field.styles.js';

/** Text typed into a caption. */
export interface CaptionInput {
  kind: CaptionKind;
  text: string;
}

/** A caption left: what was typed into it is sent. */
export interface CaptionCommit {
  fileName: string;
  kind: CaptionKind;
}

/** Approve or Reject pressed. */
export interface CaptionReview {
  kind: CaptionKind;
  review: ReviewState;
}

@customElement('rc-caption-field')
export class RcCaptionField extends LitElement {
  static override styles = [fieldStyles, kbdStyles, rcCaptionFieldStyles];

  @property() kind: CaptionKind = 'ssc';
  @property() fileName = '';
  @property({ attribute: false }) caption: Caption | null = null;
  /** What was typed and not yet sent, shown instead of the caption. */
  @property({ attribute: false }) draft: string | undefined;
  @property({ type: Boolean }) showOriginal = false;
  /** Bumped by the app on every change of pages or selection: the text area is drawn again from the caption. */
  @property({ type: Number }) version = 0;
  @query('textarea') private textarea?: HTMLTextAreaElement;

  focusText(): void {
    this.textarea?.focus();
  }

  private review(review: ReviewState): void {
    emit<CaptionReview>(this, 'caption-review', { kind: this.kind, review }, true);
  }

  override render() {
    const { kind, caption } = this;
    const review = caption?.review ?? null;
    const label = kind === 'ssc' ? 'SSC' : 'DSC';
    const key = kind === 'ssc' ? '1' : '2';
    return html`<div class="field" data-field=${kind}>
      <label for=${kind}>${label}
        <span class="meta" data-role="author">${describeCaption(caption)}</span>
        ${caption ? html`<span class="review ${review ?? 'none'}" data-role="review">${review ?? 'unreviewed'}</span>` : nothing}
      </label>
      <textarea
        id=${kind}
        class=${kind}
        data-kind=${kind}
        spellcheck="true"
        maxlength=${MAX_CAPTION_CHARS}
        aria-label=${`${label} (press ${kind === 'ssc' ? 's' : 'd'} to edit)`}
        .value=${live(this.draft ?? caption?.text ?? '')}
        @input=${(e: Event) => emit<CaptionInput>(this, 'caption-input', { kind, text: (e.target as HTMLTextAreaElement).value }, true)}
        @blur=${() => emit<CaptionCommit>(this, 'caption-commit', { fileName: this.fileName, kind }, true)}
      ></textarea>
      ${caption?.original !== undefined && caption.by === 'human'
        ? this.showOriginal
          ? html`<div class="original" data-role="original">model's original: ${caption.original}</div>`
          : html`<div class="meta">edited from the model's text (<kbd>o</kbd> shows it)</div>`
        : nothing}
      <div class="buttons">
        <vscode-button @click=${() => this.review('approved')} title=${`Approve ${label} (${key})`}>Approve</vscode-button>
        <vscode-button secondary @click=${() => this.review('rejected')} title=${`Reject ${label} (Shift+${key})`}>Reject</vscode-button>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-caption-field': RcCaptionField;
  }
}
