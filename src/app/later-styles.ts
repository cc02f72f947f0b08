/**
 * The styles of what the app adds after the first paint (banners, the hub panel's figures,
 * unsent messages): kept out of the render-blocking stylesheet (styles.css) and applied as
 * soon as main.ts loads, before it renders any of them.
 */
import css from './later.css?inline'

const style = document.createElement('style')
style.textContent = css
document.head.append(style)
