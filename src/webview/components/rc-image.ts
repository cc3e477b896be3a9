// <rc-image>: the selected image, large: fit to the pane by default, zoom with keys or the wheel, pan by dragging.
import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';

@customElement('rc-image')
export class RcImage extends LitElement {
  static override styles = css`
    :host { display: block; position: relative; overflow: hidden; background: var(--vscode-editorWidget-background); cursor: grab; }
    :host([dragging]) { cursor: grabbing; }
    img { position: absolute; left: 50%; top: 50%; transform-origin: center center; user-select: none; -webkit-user-drag: none; }
    .empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--vscode-descriptionForeground); }
    .zoom { position: absolute; right: 6px; bottom: 6px; padding: 1px 6px; font-size: 11px; color: var(--vscode-badge-foreground); background: var(--vscode-badge-background); border-radius: 8px; }
  `;

  @property() src = '';
  @property() alt = '';
  /** 0 means "fit". */
  @state() private zoom = 0;
  @state() private failed = false;
  private panX = 0;
  private panY = 0;
  private natural = { w: 0, h: 0 };
  @query('img') private img?: HTMLImageElement;

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('src')) {
      this.zoom = 0;
      this.panX = this.panY = 0;
      this.failed = false;
    }
  }

  zoomIn(): void {
    this.setZoom(this.effectiveZoom() * 1.25);
  }

  zoomOut(): void {
    this.setZoom(this.effectiveZoom() / 1.25);
  }

  fit(): void {
    this.zoom = 0;
    this.panX = this.panY = 0;
    this.applyTransform();
  }

  actualSize(): void {
    this.setZoom(1);
  }

  private setZoom(z: number): void {
    this.zoom = Math.min(16, Math.max(0.05, z));
    this.applyTransform();
  }

  private fitScale(): number {
    const { w, h } = this.natural;
    if (!w || !h) return 1;
    return Math.min(this.clientWidth / w, this.clientHeight / h);
  }

  private effectiveZoom(): number {
    return this.zoom === 0 ? this.fitScale() : this.zoom;
  }

  private applyTransform(): void {
    const img = this.img;
    if (!img) return;
    // CSSOM, not a style attribute: allowed under the strict CSP.
    img.style.transform = `translate(calc(-50% + ${this.panX}px), calc(-50% + ${this.panY}px)) scale(${this.effectiveZoom()})`;
    this.requestUpdate();
  }

  private onLoad(e: Event): void {
    const img = e.target as HTMLImageElement;
    this.natural = { w: img.naturalWidth, h: img.naturalHeight };
    this.applyTransform();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    this.setZoom(this.effectiveZoom() * (e.deltaY < 0 ? 1.1 : 1 / 1.1));
  }

  private onPointerDown(e: PointerEvent): void {
    const startX = e.clientX - this.panX;
    const startY = e.clientY - this.panY;
    this.setAttribute('dragging', '');
    const move = (m: PointerEvent): void => {
      this.panX = m.clientX - startX;
      this.panY = m.clientY - startY;
      this.applyTransform();
    };
    const up = (): void => {
      this.removeAttribute('dragging');
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    new ResizeObserver(() => this.applyTransform()).observe(this);
  }

  override render() {
    if (!this.src) return html`<div class="empty">No image selected</div>`;
    if (this.failed) return html`<div class="empty">Cannot show ${this.alt}</div>`;
    const pct = Math.round(this.effectiveZoom() * 100);
    return html`<img
        src=${this.src}
        alt=${this.alt}
        draggable="false"
        @load=${this.onLoad}
        @error=${() => (this.failed = true)}
        @wheel=${this.onWheel}
        @pointerdown=${this.onPointerDown}
      /><span class="zoom">${this.zoom === 0 ? `fit ${pct}%` : `${pct}%`}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rc-image': RcImage;
  }
}
